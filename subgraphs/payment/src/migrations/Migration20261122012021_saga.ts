import { Migration } from '@mikro-orm/migrations';

export class Migration20261122012021_saga extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "inbox_events" ("consumer" varchar(100) not null, "event_id" uuid not null, "type" varchar(100) not null, "handled_at" timestamptz(3) not null, constraint "inbox_events_pkey" primary key ("consumer", "event_id"));`);

    this.addSql(`create table "outbox_events" ("id" uuid not null, "type" varchar(100) not null, "aggregate_id" varchar(100) not null, "envelope" jsonb not null, "created_at" timestamptz(3) not null, "published_at" timestamptz(3) null, constraint "outbox_events_pkey" primary key ("id"));`);
    this.addSql(`create index "outbox_events_published_at_index" on "outbox_events" ("published_at");`);
    this.addSql(`create index "outbox_events_unpublished_index" on "outbox_events" ("created_at", "id") where "published_at" is null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "inbox_events" cascade;`);

    this.addSql(`drop table if exists "outbox_events" cascade;`);
  }

}
