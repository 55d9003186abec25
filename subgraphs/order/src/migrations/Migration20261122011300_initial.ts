import { Migration } from '@mikro-orm/migrations';

export class Migration20261122011300_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "customers" ("id" uuid not null, "email" varchar(320) not null, "name" varchar(200) not null, "phone" varchar(40) null, "role" text check ("role" in ('CUSTOMER', 'ADMIN')) not null default 'CUSTOMER', "password_hash" varchar(255) not null, "created_at" timestamptz not null, constraint "customers_pkey" primary key ("id"));`);
    this.addSql(`alter table "customers" add constraint "customers_email_unique" unique ("email");`);
    this.addSql(`create index "customers_created_at_index" on "customers" ("created_at");`);

    this.addSql(`create table "orders" ("id" uuid not null, "customer_id" uuid not null, "status" text check ("status" in ('PENDING', 'RESERVED', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'FAILED')) not null default 'PENDING', "failure_reason" varchar(200) null, "total_cents" int not null, "tracking_number" varchar(100) null, "placed_at" timestamptz not null, "updated_at" timestamptz not null, constraint "orders_pkey" primary key ("id"), constraint orders_total_non_negative check (total_cents >= 0));`);
    this.addSql(`create index "orders_customer_placed_index" on "orders" ("customer_id", "placed_at", "id");`);
    this.addSql(`create index "orders_placed_index" on "orders" ("placed_at", "id");`);

    this.addSql(`create table "order_items" ("id" uuid not null, "order_id" uuid not null, "product_id" uuid not null, "quantity" int not null, "unit_price_cents" int not null, "position" int not null, constraint "order_items_pkey" primary key ("id"), constraint order_items_quantity_positive check (quantity >= 1), constraint order_items_price_non_negative check (unit_price_cents >= 0));`);
    this.addSql(`create index "order_items_order_id_index" on "order_items" ("order_id");`);

    this.addSql(`create table "order_status_changes" ("id" uuid not null, "order_id" uuid not null, "status" text check ("status" in ('PENDING', 'RESERVED', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'FAILED')) not null, "reason" varchar(200) null, "at" timestamptz not null, constraint "order_status_changes_pkey" primary key ("id"));`);
    this.addSql(`create index "order_status_changes_order_at_index" on "order_status_changes" ("order_id", "at");`);

    this.addSql(`alter table "orders" add constraint "orders_customer_id_foreign" foreign key ("customer_id") references "customers" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "order_items" add constraint "order_items_order_id_foreign" foreign key ("order_id") references "orders" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "order_status_changes" add constraint "order_status_changes_order_id_foreign" foreign key ("order_id") references "orders" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "orders" drop constraint "orders_customer_id_foreign";`);

    this.addSql(`alter table "order_items" drop constraint "order_items_order_id_foreign";`);

    this.addSql(`alter table "order_status_changes" drop constraint "order_status_changes_order_id_foreign";`);

    this.addSql(`drop table if exists "customers" cascade;`);

    this.addSql(`drop table if exists "orders" cascade;`);

    this.addSql(`drop table if exists "order_items" cascade;`);

    this.addSql(`drop table if exists "order_status_changes" cascade;`);
  }

}
