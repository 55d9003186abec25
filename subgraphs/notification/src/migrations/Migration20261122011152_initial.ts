import { Migration } from '@mikro-orm/migrations';

export class Migration20261122011152_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "notifications" ("id" uuid not null, "channel" text check ("channel" in ('EMAIL', 'WEBHOOK')) not null, "template" varchar(100) not null, "recipient" varchar(2048) not null, "subject" varchar(500) null, "customer_id" uuid null, "order_id" uuid null, "event_id" uuid null, "status" text check ("status" in ('PENDING', 'SENT', 'FAILED')) not null default 'PENDING', "attempts" int not null default 0, "last_error" text null, "payload" jsonb null, "next_attempt_at" timestamptz null, "sent_at" timestamptz null, "created_at" timestamptz(3) not null, "updated_at" timestamptz not null, constraint "notifications_pkey" primary key ("id"));`);
    this.addSql(`create index "notifications_customer_created_index" on "notifications" ("customer_id", "created_at", "id");`);
    this.addSql(`create index "notifications_order_created_index" on "notifications" ("order_id", "created_at", "id");`);
    this.addSql(`create index "notifications_created_index" on "notifications" ("created_at", "id");`);
    this.addSql(`alter table "notifications" add constraint "notifications_event_template_recipient_unique" unique ("event_id", "template", "recipient");`);

    this.addSql(`create table "webhook_deliveries" ("id" uuid not null, "endpoint_id" uuid not null, "notification_id" uuid null, "event_id" uuid not null, "event_type" varchar(100) not null, "status" text check ("status" in ('PENDING', 'SENT', 'FAILED')) not null default 'PENDING', "attempts" int not null default 0, "last_error" text null, "last_status_code" int null, "next_attempt_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "webhook_deliveries_pkey" primary key ("id"));`);
    this.addSql(`create index "webhook_deliveries_endpoint_id_index" on "webhook_deliveries" ("endpoint_id");`);

    this.addSql(`create table "webhook_delivery_attempts" ("id" uuid not null, "delivery_id" uuid not null, "attempt_number" int not null, "status_code" int null, "error" text null, "duration_ms" int not null, "created_at" timestamptz not null, constraint "webhook_delivery_attempts_pkey" primary key ("id"));`);
    this.addSql(`create index "webhook_delivery_attempts_delivery_id_index" on "webhook_delivery_attempts" ("delivery_id");`);

    this.addSql(`create table "webhook_endpoints" ("id" uuid not null, "url" varchar(2048) not null, "event_types" text[] not null, "secret" varchar(200) not null, "active" boolean not null default true, "created_at" timestamptz not null, "deleted_at" timestamptz null, constraint "webhook_endpoints_pkey" primary key ("id"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "notifications" cascade;`);

    this.addSql(`drop table if exists "webhook_deliveries" cascade;`);

    this.addSql(`drop table if exists "webhook_delivery_attempts" cascade;`);

    this.addSql(`drop table if exists "webhook_endpoints" cascade;`);
  }

}
