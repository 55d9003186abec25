import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import { Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS } from '../../../lib/metrics/graphql-metrics-plugin.js';

/**
 * Times every fetch the gateway makes to a subgraph, by subgraph and outcome (`ok`, `http_error`
 * for a non-2xx answer, `timeout`, `unreachable`), until the response headers arrive: a subgraph
 * writes its JSON body at once, so this is its latency as the gateway sees it. Returns a function
 * that instruments one data source.
 */
export function subgraphFetchMetrics(registry: Registry): (name: string, source: RemoteGraphQLDataSource<any>) => void {
  const duration = new Histogram({
    name: 'gateway_subgraph_fetch_duration_seconds',
    help: 'Time from the gateway sending a subgraph request to its response headers, by subgraph and outcome.',
    labelNames: ['subgraph', 'outcome'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  return (name, source) => {
    const fetcher = source.fetcher;
    source.fetcher = async (url, init) => {
      const stop = duration.startTimer({ subgraph: name });
      try {
        const res = await fetcher(url, init);
        stop({ outcome: res.ok ? 'ok' : 'http_error' });
        return res;
      } catch (err) {
        const name = (err as Error | undefined)?.name;
        stop({ outcome: name === 'AbortError' || name === 'TimeoutError' ? 'timeout' : 'unreachable' });
        throw err;
      }
    };
  };
}
