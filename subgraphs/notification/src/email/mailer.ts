import nodemailer, { type Transporter } from 'nodemailer';

export interface OutgoingEmail {
  /** The notification's id: it becomes the Message-ID, so a resend after a lost reply is recognisable. */
  id: string;
  to: string;
  subject: string;
  html: string;
  text: string;
}

export interface MailerOptions {
  smtpUrl: string;
  mailFrom: string;
  smtpTimeoutMs: number;
}

/** Sends email over SMTP through a small pool of connections, each step bounded by the timeout. */
export class Mailer {
  private readonly transport: Transporter;
  private readonly messageIdDomain: string;

  constructor(opts: MailerOptions) {
    this.transport = nodemailer.createTransport(
      {
        url: opts.smtpUrl,
        pool: true,
        maxConnections: 5,
        connectionTimeout: opts.smtpTimeoutMs,
        greetingTimeout: opts.smtpTimeoutMs,
        socketTimeout: opts.smtpTimeoutMs,
      },
      { from: opts.mailFrom },
    );
    this.messageIdDomain = /@([^>\s]+)>?\s*$/.exec(opts.mailFrom)?.[1] ?? 'localhost';
  }

  async send(email: OutgoingEmail): Promise<void> {
    await this.transport.sendMail({
      to: email.to,
      subject: email.subject,
      html: email.html,
      text: email.text,
      messageId: `<${email.id}@${this.messageIdDomain}>`,
    });
  }

  close(): void {
    this.transport.close();
  }
}

/**
 * The relay refused this message's sender or recipient for good (5xx to MAIL FROM or RCPT TO):
 * retrying cannot help. Everything else (connection refused, timeouts, 4xx, a 5xx on connect or
 * auth, which is the relay's state rather than the message's) is retried on the schedule.
 */
export function isPermanentSmtpFailure(err: unknown): boolean {
  const e = err as { code?: string; responseCode?: number };
  return e?.code === 'EENVELOPE' && typeof e.responseCode === 'number' && e.responseCode >= 500;
}
