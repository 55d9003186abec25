import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Handlebars from 'handlebars';

/** Every kind of email this service sends; each has a folder `templates/<kind>/` with subject, html and text. */
export const EMAIL_KINDS = [
  'welcome',
  'order-confirmation',
  'order-receipt',
  'order-shipped',
  'order-delivered',
  'order-failed',
  'order-cancelled',
  'payment-refunded',
] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export const TEMPLATES_DIR = resolve(import.meta.dirname, '../templates');
const PARTS = ['subject', 'html', 'text'] as const;

type Compiled = Record<(typeof PARTS)[number], Handlebars.TemplateDelegate>;

/**
 * The email templates, compiled once at start-up: `templates/<kind>/{subject,html,text}.hbs`, with
 * shared pieces in `templates/partials/<name>.hbs` (used as `{{> name}}`). Only the HTML part escapes
 * what it interpolates; subject and text are plain text.
 */
export class EmailTemplates {
  private constructor(private readonly compiled: Map<EmailKind, Compiled>) {}

  /**
   * Fails at once when a kind lacks a file. `strict` makes a reference to a missing field throw at
   * render time: tests use it to catch typos; production renders the field empty instead of failing.
   */
  static load(dir = TEMPLATES_DIR, opts: { strict?: boolean } = {}): EmailTemplates {
    const hbs = Handlebars.create();
    const partials = join(dir, 'partials');
    if (existsSync(partials)) {
      for (const file of readdirSync(partials).filter((f) => f.endsWith('.hbs'))) {
        hbs.registerPartial(file.slice(0, -'.hbs'.length), readFileSync(join(partials, file), 'utf8'));
      }
    }
    const compiled = new Map<EmailKind, Compiled>();
    for (const kind of EMAIL_KINDS) {
      const parts = {} as Compiled;
      for (const part of PARTS) {
        const file = join(dir, kind, `${part}.hbs`);
        if (!existsSync(file)) throw new Error(`Email template ${kind} has no ${part}: expected ${file}`);
        parts[part] = hbs.compile(readFileSync(file, 'utf8'), { strict: opts.strict ?? false, noEscape: part !== 'html' });
      }
      compiled.set(kind, parts);
    }
    return new EmailTemplates(compiled);
  }

  render(kind: EmailKind, data: object): RenderedEmail {
    const t = this.compiled.get(kind)!;
    return {
      // A subject is one line, however the template wraps it.
      subject: t.subject(data).replace(/\s+/g, ' ').trim(),
      html: t.html(data),
      text: t.text(data),
    };
  }
}
