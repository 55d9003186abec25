import { Migration } from '@mikro-orm/migrations';

export class Migration20261122013211_notifications extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "catalog_products" ("product_id" uuid not null, "sku" varchar(64) not null, "name" varchar(200) not null, "source_at" timestamptz(3) not null, constraint "catalog_products_pkey" primary key ("product_id"));`);

    this.addSql(`create table "customer_contacts" ("customer_id" uuid not null, "email" varchar(320) not null, "name" varchar(200) not null, "source_at" timestamptz(3) not null, constraint "customer_contacts_pkey" primary key ("customer_id"));`);

    this.addSql(`create table "inbox_events" ("consumer" varchar(100) not null, "event_id" uuid not null, "type" varchar(100) not null, "handled_at" timestamptz(3) not null, constraint "inbox_events_pkey" primary key ("consumer", "event_id"));`);

    this.addSql(`create table "outbox_events" ("id" uuid not null, "type" varchar(100) not null, "aggregate_id" varchar(100) not null, "envelope" jsonb not null, "created_at" timestamptz(3) not null, "published_at" timestamptz(3) null, constraint "outbox_events_pkey" primary key ("id"));`);
    this.addSql(`create index "outbox_events_published_at_index" on "outbox_events" ("published_at");`);
    this.addSql(`create index "outbox_events_unpublished_index" on "outbox_events" ("created_at", "id") where "published_at" is null;`);

    this.addSql(`create index "notifications_due_index" on "notifications" ("status", "next_attempt_at");`);

    this.addSql(`drop index "webhook_deliveries_endpoint_id_index";`);

    this.addSql(`alter table "webhook_deliveries" add column "payload" text not null, add column "cycle_attempts" int not null default 0, add column "sent_at" timestamptz null;`);
    this.addSql(`alter table "webhook_deliveries" alter column "created_at" type timestamptz(3) using ("created_at"::timestamptz(3));`);
    this.addSql(`create index "webhook_deliveries_due_index" on "webhook_deliveries" ("status", "next_attempt_at");`);
    this.addSql(`create index "webhook_deliveries_created_index" on "webhook_deliveries" ("created_at", "id");`);
    this.addSql(`alter table "webhook_deliveries" add constraint "webhook_deliveries_endpoint_event_unique" unique ("endpoint_id", "event_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "catalog_products" cascade;`);

    this.addSql(`drop table if exists "customer_contacts" cascade;`);

    this.addSql(`drop table if exists "inbox_events" cascade;`);

    this.addSql(`drop table if exists "outbox_events" cascade;`);

    this.addSql(`drop index "notifications_due_index";`);

    this.addSql(`drop index "webhook_deliveries_due_index";`);
    this.addSql(`drop index "webhook_deliveries_created_index";`);
    this.addSql(`alter table "webhook_deliveries" drop constraint "webhook_deliveries_endpoint_event_unique";`);
    this.addSql(`alter table "webhook_deliveries" drop column "payload", drop column "cycle_attempts", drop column "sent_at";`);

    this.addSql(`alter table "webhook_deliveries" alter column "created_at" type timestamptz(6) using ("created_at"::timestamptz(6));`);
    this.addSql(`create index "webhook_deliveries_endpoint_id_index" on "webhook_deliveries" ("endpoint_id");`);
  }

}
