import { Migration } from '@mikro-orm/migrations';

export class Migration20261122010947_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "products" ("id" uuid not null, "sku" varchar(64) not null, "name" varchar(200) not null, "description" text not null default '', "price_cents" int not null, "stock_quantity" int not null default 0, "reserved" int not null default 0, "active" boolean not null default true, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "products_pkey" primary key ("id"), constraint products_stock_non_negative check (stock_quantity >= 0), constraint products_reserved_within_stock check (reserved >= 0 and reserved <= stock_quantity), constraint products_price_non_negative check (price_cents >= 0));`);
    this.addSql(`alter table "products" add constraint "products_sku_unique" unique ("sku");`);
    this.addSql(`create index "products_name_index" on "products" ("name");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "products" cascade;`);
  }

}
