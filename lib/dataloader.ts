import DataLoader from 'dataloader';

/**
 * Batching can be switched off for the benchmark that measures what it saves (`LOADERS_BATCH=false`).
 * Every service reads this flag through its config, never from the environment directly.
 */
export interface LoaderOptions {
  batch: boolean;
}

/** One row per key, in the order DataLoader asked; `null` where no row has that key. */
export function loaderById<T>(
  fetch: (ids: readonly string[]) => Promise<T[]>,
  keyOf: (row: T) => string,
  opts: LoaderOptions = { batch: true },
): DataLoader<string, T | null> {
  return new DataLoader(
    async (ids) => {
      const rows = await fetch(ids);
      const byKey = new Map(rows.map((r) => [keyOf(r), r]));
      return ids.map((id) => byKey.get(id) ?? null);
    },
    { batch: opts.batch },
  );
}

/** All rows per key (a one-to-many list field), in the order `fetch` returned them. */
export function loaderGroupedBy<T>(
  fetch: (keys: readonly string[]) => Promise<T[]>,
  keyOf: (row: T) => string,
  opts: LoaderOptions = { batch: true },
): DataLoader<string, T[]> {
  return new DataLoader(
    async (keys) => {
      const rows = await fetch(keys);
      const groups = new Map<string, T[]>();
      for (const row of rows) {
        const key = keyOf(row);
        const group = groups.get(key);
        if (group) group.push(row);
        else groups.set(key, [row]);
      }
      return keys.map((k) => groups.get(k) ?? []);
    },
    { batch: opts.batch },
  );
}
