import { Migration } from '@mikro-orm/migrations';

export class Migration20261122012117_saga extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "inbox_events" ("consumer" varchar(100) not null, "event_id" uuid not null, "type" varchar(100) not null, "handled_at" timestamptz(3) not null, constraint "inbox_events_pkey" primary key ("consumer", "event_id"));`);

    this.addSql(`create table "outbox_events" ("id" uuid not null, "type" varchar(100) not null, "aggregate_id" varchar(100) not null, "envelope" jsonb not null, "created_at" timestamptz(3) not null, "published_at" timestamptz(3) null, constraint "outbox_events_pkey" primary key ("id"));`);
    this.addSql(`create index "outbox_events_published_at_index" on "outbox_events" ("published_at");`);
    this.addSql(`create index "outbox_events_unpublished_index" on "outbox_events" ("created_at", "id") where "published_at" is null;`);

    this.addSql(`create table "stock_movements" ("id" uuid not null, "product_id" uuid not null, "kind" text check ("kind" in ('RESERVE', 'RELEASE', 'COMMIT', 'RESTOCK', 'ADJUST', 'CREATE')) not null, "quantity_delta" int not null default 0, "reserved_delta" int not null default 0, "reason" text null, "order_id" uuid null, "created_at" timestamptz not null default clock_timestamp(), constraint "stock_movements_pkey" primary key ("id"));`);
    this.addSql(`create index "stock_movements_product_created_index" on "stock_movements" ("product_id", "created_at", "id");`);

    this.addSql(`create table "stock_reservations" ("id" uuid not null, "order_id" uuid not null, "product_id" uuid not null, "quantity" int not null, "status" text check ("status" in ('HELD', 'COMMITTED', 'RELEASED', 'RESTOCKED')) not null default 'HELD', "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "stock_reservations_pkey" primary key ("id"), constraint stock_reservations_quantity_positive check (quantity > 0));`);
    this.addSql(`alter table "stock_reservations" add constraint "stock_reservations_order_product_unique" unique ("order_id", "product_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "inbox_events" cascade;`);

    this.addSql(`drop table if exists "outbox_events" cascade;`);

    this.addSql(`drop table if exists "stock_movements" cascade;`);

    this.addSql(`drop table if exists "stock_reservations" cascade;`);
  }

}
