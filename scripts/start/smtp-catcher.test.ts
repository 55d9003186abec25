import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { startSmtpCatcher, type SmtpCatcher } from './smtp-catcher.js';

let catcher: SmtpCatcher | undefined;
afterEach(async () => {
  await catcher?.stop();
  catcher = undefined;
});

async function sendTwo(smtpUrl: string): Promise<void> {
  const transport = nodemailer.createTransport({ url: smtpUrl });
  for (const to of ['ada@example.test', 'bob@example.test']) {
    await transport.sendMail({ from: 'shop@example.test', to, subject: `Hello ${to}`, text: 'Plain words.', html: '<p>Plain words.</p>' });
  }
  transport.close();
}

describe('the SMTP catcher', () => {
  it('keeps each message parsed, the newest `keep` of them', async () => {
    catcher = await startSmtpCatcher({ smtpPort: 0, httpPort: 0, keep: 1 });
    await sendTwo(catcher.smtpUrl);
    expect(catcher.messages).toEqual([
      expect.objectContaining({ id: 2, to: 'bob@example.test', subject: 'Hello bob@example.test', text: 'Plain words.', html: '<p>Plain words.</p>' }),
    ]);
  });

  it('without parsing keeps only the envelope, and still counts every message', async () => {
    catcher = await startSmtpCatcher({ smtpPort: 0, httpPort: 0, keep: 5, parse: false });
    await sendTwo(catcher.smtpUrl);
    expect(catcher.messages.map((m) => ({ id: m.id, envelope: m.envelope, subject: m.subject }))).toEqual([
      { id: 1, envelope: { from: 'shop@example.test', to: ['ada@example.test'] }, subject: '' },
      { id: 2, envelope: { from: 'shop@example.test', to: ['bob@example.test'] }, subject: '' },
    ]);
  });
});
