import { Migration } from '@mikro-orm/migrations';

export class Migration20261122011948_saga extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "inbox_events" ("consumer" varchar(100) not null, "event_id" uuid not null, "type" varchar(100) not null, "handled_at" timestamptz(3) not null, constraint "inbox_events_pkey" primary key ("consumer", "event_id"));`);

    this.addSql(`create table "outbox_events" ("id" uuid not null, "type" varchar(100) not null, "aggregate_id" varchar(100) not null, "envelope" jsonb not null, "created_at" timestamptz(3) not null, "published_at" timestamptz(3) null, constraint "outbox_events_pkey" primary key ("id"));`);
    this.addSql(`create index "outbox_events_published_at_index" on "outbox_events" ("published_at");`);
    this.addSql(`create index "outbox_events_unpublished_index" on "outbox_events" ("created_at", "id") where "published_at" is null;`);

    this.addSql(`create table "payment_method_refs" ("id" uuid not null, "customer_id" uuid not null, "removed" boolean not null default false, constraint "payment_method_refs_pkey" primary key ("id"));`);
    this.addSql(`create index "payment_method_refs_customer_id_index" on "payment_method_refs" ("customer_id");`);

    this.addSql(`create table "product_prices" ("product_id" uuid not null, "sku" varchar(64) not null, "name" varchar(200) not null, "price_cents" int not null, "active" boolean not null, "source_at" timestamptz(3) not null, constraint "product_prices_pkey" primary key ("product_id"));`);

    this.addSql(`alter table "orders" add column "payment_method_id" uuid not null, add column "idempotency_key" varchar(200) not null, add column "request_hash" varchar(64) not null, add column "status_sequence" int not null default 1;`);
    this.addSql(`alter table "orders" add constraint "orders_customer_idempotency_key_unique" unique ("customer_id", "idempotency_key");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "inbox_events" cascade;`);

    this.addSql(`drop table if exists "outbox_events" cascade;`);

    this.addSql(`drop table if exists "payment_method_refs" cascade;`);

    this.addSql(`drop table if exists "product_prices" cascade;`);

    this.addSql(`alter table "orders" drop constraint "orders_customer_idempotency_key_unique";`);
    this.addSql(`alter table "orders" drop column "payment_method_id", drop column "idempotency_key", drop column "request_hash", drop column "status_sequence";`);
  }

}
