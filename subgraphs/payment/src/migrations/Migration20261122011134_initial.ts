import { Migration } from '@mikro-orm/migrations';

export class Migration20261122011134_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "payments" ("id" uuid not null, "order_id" uuid not null, "customer_id" uuid not null, "amount_cents" int not null, "status" text check ("status" in ('PENDING', 'AUTHORIZED', 'CAPTURED', 'FAILED', 'REFUNDED', 'PARTIALLY_REFUNDED')) not null default 'PENDING', "failure_code" varchar(64) null, "attempts" int not null default 0, "payment_method_id" uuid null, "processed_at" timestamptz null, "refunded_cents" int not null default 0, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "payments_pkey" primary key ("id"), constraint payments_amount_non_negative check (amount_cents >= 0), constraint payments_refunded_within_amount check (refunded_cents >= 0 and refunded_cents <= amount_cents), constraint payments_attempts_non_negative check (attempts >= 0));`);
    this.addSql(`alter table "payments" add constraint "payments_order_id_unique" unique ("order_id");`);
    this.addSql(`create index "payments_customer_id_index" on "payments" ("customer_id");`);

    this.addSql(`create table "payment_methods" ("id" uuid not null, "customer_id" uuid not null, "token" varchar(255) not null, "brand" varchar(32) not null, "last4" char(4) not null, "exp_month" int not null, "exp_year" int not null, "created_at" timestamptz not null, "removed_at" timestamptz null, constraint "payment_methods_pkey" primary key ("id"), constraint payment_methods_last4_digits check (last4 ~ '^[0-9]{4}\$'), constraint payment_methods_exp_month_valid check (exp_month >= 1 and exp_month <= 12));`);
    this.addSql(`create index "payment_methods_customer_id_index" on "payment_methods" ("customer_id");`);

    this.addSql(`create table "payment_transactions" ("id" uuid not null, "payment_id" uuid not null, "kind" varchar(32) not null, "amount_cents" int not null, "processor_reference" varchar(255) null, "detail" text null, "created_at" timestamptz not null, constraint "payment_transactions_pkey" primary key ("id"), constraint payment_transactions_amount_non_negative check (amount_cents >= 0));`);
    this.addSql(`create index "payment_transactions_payment_id_index" on "payment_transactions" ("payment_id");`);

    this.addSql(`create table "refunds" ("id" uuid not null, "payment_id" uuid not null, "amount_cents" int not null, "reason" text null, "created_at" timestamptz not null, constraint "refunds_pkey" primary key ("id"), constraint refunds_amount_positive check (amount_cents > 0));`);
    this.addSql(`create index "refunds_payment_id_index" on "refunds" ("payment_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "payments" cascade;`);

    this.addSql(`drop table if exists "payment_methods" cascade;`);

    this.addSql(`drop table if exists "payment_transactions" cascade;`);

    this.addSql(`drop table if exists "refunds" cascade;`);
  }

}
