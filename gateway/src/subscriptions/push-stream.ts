/**
 * An async iterator fed by pushes. graphql-ws stops a subscription by calling `return()`; an async
 * generator would hold that call until its pending `await` settled (the next event, perhaps never),
 * so this resolves a waiting `next()` at once and runs `onClose` right away.
 */
export class PushStream<T> implements AsyncIterableIterator<T> {
  private readonly buffered: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private ending = false;
  private closed = false;

  constructor(private readonly onClose: () => void) {}

  get isClosed(): boolean {
    return this.closed || this.ending;
  }

  push(value: T): void {
    if (this.isClosed) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value, done: false });
    } else {
      this.buffered.push(value);
    }
  }

  /** Ends after what is already buffered has been read. */
  end(): void {
    if (this.isClosed) return;
    this.ending = true;
    if (this.buffered.length === 0) this.close();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffered.length > 0) {
      const value = this.buffered.shift() as T;
      if (this.ending && this.buffered.length === 0) this.close();
      return Promise.resolve({ value, done: false });
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.buffered.length = 0;
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err?: unknown): Promise<IteratorResult<T>> {
    this.buffered.length = 0;
    this.close();
    return Promise.reject(err);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.({ value: undefined, done: true });
    this.onClose();
  }
}
