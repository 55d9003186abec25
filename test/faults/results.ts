import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { BOUND_MS, RATE_PER_SECOND, seconds, type ScenarioResult } from './scenario.js';

const RESULTS_PATH = resolve(import.meta.dirname, 'RESULTS.md');

/** Writes the scenario table (test/faults/RESULTS.md), the figures of this run. */
export async function writeResults(results: ScenarioResult[]): Promise<void> {
  const rows = results.map(({ scenario: s, report: r, notes, retried }) =>
    [
      s.id,
      s.title,
      r.placed,
      `${r.final.PAID} / ${r.final.FAILED} / ${r.final.CANCELLED}`,
      r.lost,
      r.duplicated,
      r.stuck,
      r.deadLetters,
      retried,
      `${seconds(r.recoveryMs)} (${seconds(r.settledMs)})`,
      r.problems.length ? `**FAILED**: ${r.problems.join('; ')}` : 'pass',
      notes.join('; '),
    ]
      .map((cell) => String(cell).replaceAll('|', '\\|'))
      .join(' | '),
  );
  const text = [
    '# Fault-injection results',
    '',
    `Written by \`npm run test:faults\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (load average ${loadavg()[0].toFixed(1)} at the end), Node ${process.version}.`,
    '',
    `Orders flow through the gateway over HTTP at ${RATE_PER_SECOND} a second (1–2 lines each, a scarce product among them, every eighth`,
    `customer's card declined, one order in twenty cancelled at once) while the fault hits. Clients retry a failed \`placeOrder\``,
    'with the same idempotency key. Afterwards the checker reads every database and NATS and counts:',
    '',
    '- **Lost**: acknowledged orders missing, placements never answered, expected emails (confirmation, and receipt, failure or',
    '  cancellation notice) never sent.',
    '- **Duplicated effects**: second captures, a status entered twice, two emails for one order and template, more emails in',
    '  the mailbox than marked SENT, an event id stored twice in the events stream.',
    `- **Stuck**: orders not PAID, FAILED or CANCELLED within ${BOUND_MS / 1000} s.`,
    '- **Recovery**: from when the fault was over and the last placement answered, until every order was final and every',
    '  invariant held: stock on hand = initial − paid quantities, no HELD reservation, at most one capture per order and money',
    '  kept only for PAID orders, each expected email sent once. **Settled**: until nothing was in flight either (outboxes',
    '  empty, every durable consumer caught up with nothing unacknowledged, no email waiting).',
    '- **Dead letters**: messages added to `<PREFIX>_DLQ`; only scenario 6 may add one.',
    '',
    '| # | Scenario | Orders placed | PAID / FAILED / CANCELLED | Lost | Duplicated effects | Stuck | Dead letters | Placements retried | Recovery (settled) | Checker | Measured |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r} |`),
    '',
  ].join('\n');
  await writeFile(RESULTS_PATH, text);
}
