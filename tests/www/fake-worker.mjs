// A stand-in for a Web Worker in node tests: records what the client posts and lets a test play the worker's replies.

export class FakeWorker {
  constructor() {
    this.sent = [];
    this.terminated = false;
    this.onmessage = null;
    this.onerror = null;
    this.onmessageerror = null;
  }

  postMessage(msg, transfer = []) {
    this.sent.push({ msg, transfer });
  }

  terminate() {
    this.terminated = true;
  }

  /** Deliver a reply to the client as the worker would. */
  reply(msg) {
    this.onmessage?.({ data: msg });
  }

  /** Simulate the worker dying (the `error` event of a Worker). */
  crash(message = 'boom') {
    this.onerror?.({ message, preventDefault() {} });
  }

  /** The last posted message of a type. */
  last(type) {
    for (let i = this.sent.length - 1; i >= 0; i--) if (this.sent[i].msg.type === type) return this.sent[i].msg;
    return undefined;
  }
}

/** Let pending promise callbacks and zero timers run. */
export const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
