/**
 * Shares one read among the metrics of a scrape: prom-client collects every metric of a registry
 * at once, and two gauges fed by one query (or one NATS request) should cost one. A read that
 * fails yields undefined, so a metric keeps its last value instead of failing the whole scrape.
 */
export function perScrape<T>(read: () => Promise<T> | undefined, onError: (err: unknown) => void, maxAgeMs = 1000): () => Promise<T | undefined> {
  let last: { at: number; value: Promise<T | undefined> } | undefined;
  return () => {
    if (last && Date.now() - last.at < maxAgeMs) return last.value;
    const value = Promise.resolve(read()).catch((err: unknown) => {
      onError(err);
      return undefined;
    });
    last = { at: Date.now(), value };
    return value;
  };
}
