import type { Page } from 'playwright-core';

/**
 * Drives GraphiQL 4 the way a person does, through its editors and buttons. Text goes in with
 * `insertText` (as a paste would) so CodeMirror's bracket auto-closing does not double what is typed.
 */
export class GraphiQLPage {
  constructor(readonly page: Page) {}

  /** Waits until GraphiQL has rendered and loaded the schema (the docs explorer lists the root types). */
  async ready(timeoutMs: number): Promise<void> {
    await this.page.locator('.graphiql-container').waitFor({ timeout: timeoutMs });
    await this.page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    await this.page.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).first().waitFor({ timeout: timeoutMs });
  }

  async openTab(name: string): Promise<void> {
    await this.page.locator('.graphiql-tab-button', { hasText: name }).click();
    await this.page.locator('.graphiql-tab-active', { hasText: name }).waitFor();
  }

  async setVariables(json: Record<string, unknown>): Promise<void> {
    await this.page.locator('.graphiql-editor-tools').getByRole('button', { name: 'Variables' }).click();
    await this.replaceText('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror', JSON.stringify(json, null, 2));
  }

  async setHeaders(headers: Record<string, string>): Promise<void> {
    await this.page.locator('.graphiql-editor-tools').getByRole('button', { name: 'Headers' }).click();
    await this.replaceText('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror', JSON.stringify(headers, null, 2));
  }

  async run(): Promise<void> {
    await this.page.locator('.graphiql-execute-button').click();
  }

  /** The response pane's text, as the person reading it sees it. */
  async response(): Promise<string> {
    return this.page.locator('.result-window .CodeMirror').evaluate((el) => (el as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue());
  }

  /** Waits until the response pane shows JSON for which `accept` holds, and returns it. */
  async waitForResponse<T>(accept: (json: any) => T | undefined, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = await this.response();
      try {
        const found = last.trim() ? accept(JSON.parse(last)) : undefined;
        if (found !== undefined) return found;
      } catch {
        // Not JSON yet (empty, or a subscription's placeholder text).
      }
      await this.page.waitForTimeout(200);
    }
    throw new Error(`The response pane never showed what was expected; it shows:\n${last}`);
  }

  private async replaceText(selector: string, text: string): Promise<void> {
    await this.page.locator(selector).click();
    await this.page.keyboard.press('ControlOrMeta+A');
    await this.page.keyboard.press('Delete');
    await this.page.keyboard.insertText(text);
  }
}
