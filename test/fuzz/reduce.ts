/**
 * Narrowing a violation down to something small to keep: which inputs of a folder cause it
 * (delta debugging by halves), and the shortest start of a file that still does. Both only ask
 * a `reproduces` callback (a CLI run), within a budget of runs.
 */

export interface Budget {
  runs: number;
}

/**
 * The inputs that reproduce a violation on their own, found by trying halves and halves of
 * those. Empty when none does alone (two inputs together, or a flaky violation).
 */
export async function culprits<T>(inputs: T[], reproduces: (part: T[]) => Promise<boolean>, budget: Budget): Promise<T[]> {
  if (inputs.length <= 1) return inputs;
  const found: T[] = [];
  const mid = Math.ceil(inputs.length / 2);
  for (const half of [inputs.slice(0, mid), inputs.slice(mid)]) {
    if (budget.runs <= 0) break;
    budget.runs--;
    if (await reproduces(half)) found.push(...(await culprits(half, reproduces, budget)));
  }
  return found;
}

const EOI = Buffer.from([0xff, 0xd9]);

/**
 * The shortest start of `bytes` (closed with an EOI marker) that still reproduces, by bisecting
 * the length: most violations come from the headers, so a 3 MB mutant usually shrinks to a few
 * hundred bytes fit for the regression corpus. Not minimal (reproduction need not be monotonic
 * in the length); `bytes` itself when nothing shorter reproduces.
 */
export async function shortestStart(bytes: Buffer, reproduces: (candidate: Buffer) => Promise<boolean>, budget: Budget): Promise<Buffer> {
  let bad = bytes;
  let lo = 0;
  let hi = bytes.length;
  while (hi - lo > Math.max(16, hi >> 6) && budget.runs > 0) {
    budget.runs--;
    const mid = (lo + hi) >> 1;
    const candidate = Buffer.concat([bytes.subarray(0, mid), EOI]);
    if (await reproduces(candidate)) {
      bad = candidate;
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return bad;
}
