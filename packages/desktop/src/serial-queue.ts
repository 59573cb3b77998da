/**
 * Runs async operations one at a time in call order, so that a multi-event action (a drag, a key
 * chord) is never interleaved with another operation on the same connection.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.tail.then(operation);
    // The queue continues after a failure; the failure goes to this operation's caller only.
    this.tail = result.catch(() => {});
    return result;
  }
}
