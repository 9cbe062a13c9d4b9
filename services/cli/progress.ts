/**
 * Progress on stderr for long work: a line rewritten in place on a terminal, a line every
 * few seconds otherwise (CI logs, pipes). Silent for work that ends quickly.
 */
export interface Progress {
  update(done: number, detail?: string): void;
  finish(): void;
}

export function progress(label: string, total: number | null, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = Date.now();
  const interval = stream.isTTY ? 200 : 5000;
  let last = started;
  let shown = false;
  const line = (done: number, detail?: string) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? Math.round(done / seconds) : 0;
    const of = total ? `/${total.toLocaleString('en')} (${Math.floor((100 * done) / total)}%)` : '';
    return `${label}: ${done.toLocaleString('en')}${of} ${rate.toLocaleString('en')}/s${detail ? ` ${detail}` : ''}`;
  };
  return {
    update(done, detail) {
      const now = Date.now();
      if (now - last < interval || now - started < 1000) return;
      last = now;
      shown = true;
      stream.write(stream.isTTY ? `\r${line(done, detail)}\u001b[K` : `${line(done, detail)}\n`);
    },
    finish() {
      if (shown && stream.isTTY) stream.write('\n');
    },
  };
}
