export interface BannerInput {
  /** `playground` is set when the gateway serves it (GATEWAY_PLAYGROUND). */
  gateway: { base: string; playground?: boolean };
  subgraphs: { name: string; base: string }[];
  accounts: { role: string; email: string; password: string }[];
  database: string;
  nats: string;
  /** Where to read the email the services send. */
  mail: string;
}

const pad = (s: string, n: number) => s.padEnd(n);

/** What a developer needs once everything runs: where to send queries, how to log in, how to stop. */
export function banner(input: BannerInput): string {
  const rows = [
    { name: 'gateway', base: input.gateway.base },
    ...input.subgraphs.map((s) => ({ name: `${s.name}`, base: s.base })),
  ];
  const graphqlWidth = Math.max(...rows.map((r) => `${r.base}/graphql`.length));
  const lines = [
    '',
    '━'.repeat(78),
    ' Commerce supergraph is running.',
    '',
    ` Gateway    ${input.gateway.base}/graphql`,
    ...(input.gateway.playground ? [` Playground ${input.gateway.base}/  (GraphiQL, served by the gateway)`] : []),
    '',
    ` ${pad('Service', 14)}${pad('GraphQL', graphqlWidth + 2)}Health / ready`,
    ...rows.map((r) => ` ${pad(r.name, 14)}${pad(`${r.base}/graphql`, graphqlWidth + 2)}${r.base}/health  ${r.base}/ready`),
    ' (Subgraphs answer only the gateway, which sends their secret; query the gateway.)',
    ' Every service also serves Prometheus metrics at <base>/metrics.',
    '',
    ` Database   ${input.database}`,
    ` NATS       ${input.nats}`,
    ` Mail       ${input.mail}`,
  ];
  if (input.accounts.length) {
    lines.push('', ' Accounts');
    for (const a of input.accounts) lines.push(`   ${pad(a.role, 15)}${a.email} / ${a.password}`);
  }
  {
    const query = '{ products(first: 5, inStock: true) { totalCount nodes { name price { amount } available } } }';
    lines.push(
      '',
      ' Try',
      `   curl -s ${input.gateway.base}/graphql -H 'content-type: application/json' \\`,
      `     --data '${JSON.stringify({ query })}'`,
    );
  }
  lines.push('', ` Press Ctrl-C to stop (or send SIGINT or SIGTERM to pid ${process.pid}).`, '━'.repeat(78), '');
  return lines.join('\n');
}
