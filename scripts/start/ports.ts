import { createServer } from 'node:net';

/** A port a service is about to listen on, and what to tell the developer if it cannot. */
export interface PortClaim {
  service: string;
  host: string;
  port: number;
  /** The variable that moves the service to another port. */
  variable: string;
}

/** Resolves with why `port` cannot be bound on `host`, or undefined when it is free. */
function portProblem(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') resolve('is in use');
      else if (err.code === 'EACCES') resolve('needs privileges this user does not have');
      else if (err.code === 'EADDRNOTAVAIL') resolve(`cannot be bound: ${host} is not an address of this machine`);
      else resolve(`cannot be bound (${err.code ?? err.message})`);
    });
    // `exclusive` so that a port held by another process is reported even under cluster-style sharing.
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
}

/**
 * Checks every claim before anything starts, so a clash is reported at once and by name rather than
 * after a database has started. Port 0 (any free port) always passes.
 */
export async function assertPortsFree(claims: PortClaim[]): Promise<void> {
  const problems: string[] = [];
  const byPort = new Map<number, PortClaim>();
  for (const claim of claims) {
    if (claim.port === 0) continue;
    const other = byPort.get(claim.port);
    if (other) problems.push(`Port ${claim.port} is set for both the ${other.service} (${other.variable}) and the ${claim.service} (${claim.variable}); give one of them another port.`);
    else byPort.set(claim.port, claim);
  }
  const checks = await Promise.all([...byPort.values()].map(async (c) => [c, await portProblem(c.host, c.port)] as const));
  for (const [c, problem] of checks) {
    if (problem) problems.push(`Port ${c.port} (${c.service}) ${problem}; set ${c.variable} to another port.`);
  }
  if (problems.length) throw new Error(problems.join('\n  '));
}
