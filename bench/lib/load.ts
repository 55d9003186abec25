import autocannon from 'autocannon';

/** One GraphQL request as the load generator sends it, again and again. */
export interface Shot {
  url: string;
  query: string;
  variables?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Non-2xx answers, socket errors, timeouts, and answers whose body differed from the checked one. */
  errors: number;
}

/**
 * Sends `shot` once and returns the answer's exact body, after checking it is data without
 * errors. Load runs then count any answer that differs from it as an error, so a target that
 * starts failing under load (or answers from a broken cache) cannot post a good number.
 */
export async function checkedBody(shot: Shot, check: (data: any) => void = () => {}): Promise<string> {
  const res = await fetch(shot.url, { method: 'POST', headers: { 'content-type': 'application/json', ...shot.headers }, body: JSON.stringify({ query: shot.query, variables: shot.variables }) });
  const body = await res.text();
  const parsed = JSON.parse(body) as { data?: unknown; errors?: unknown[] };
  if (!res.ok || parsed.errors?.length || !parsed.data) throw new Error(`${shot.url} answered ${res.status}: ${body.slice(0, 300)}`);
  check(parsed.data);
  return body;
}

/** Closed-loop load with autocannon: `connections` clients on kept-alive sockets, each sending as soon as it is answered. */
export async function hammer(shot: Shot, opts: { connections: number; seconds: number; expectBody: string }): Promise<LoadResult> {
  const result = await autocannon({
    url: shot.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...shot.headers },
    body: JSON.stringify({ query: shot.query, variables: shot.variables }),
    connections: opts.connections,
    duration: opts.seconds,
    expectBody: opts.expectBody,
    timeout: 10,
  });
  const requests = result.requests.total;
  return {
    requestsPerSecond: requests / opts.seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests,
    errors: result.errors + result.timeouts + result.non2xx + result.mismatches,
  };
}
