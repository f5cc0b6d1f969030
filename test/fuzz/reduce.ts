/**
 * Narrowing a violation down to something small to keep: which inputs of a folder cause it
 * (bisection by halves), and the shortest start of a file that still does. Both only ask
 * a `reproduces` callback (a CLI run), within a budget of runs.
 */

export interface Budget {
  runs: number;
}

/**
 * Groups of inputs that reproduce a violation without the rest, found by trying halves and
 * halves of those: one input each when it alone does, several when only together (no half of
 * them reproduces: two files in a row through one decoder, or a rare race).
 */
export async function culprits<T>(inputs: T[], reproduces: (part: T[]) => Promise<boolean>, budget: Budget): Promise<T[][]> {
  if (inputs.length <= 1) return [inputs];
  const groups: T[][] = [];
  const mid = Math.ceil(inputs.length / 2);
  for (const half of [inputs.slice(0, mid), inputs.slice(mid)]) {
    if (budget.runs <= 0) break;
    budget.runs--;
    if (await reproduces(half)) groups.push(...(await culprits(half, reproduces, budget)));
  }
  return groups.length > 0 ? groups : [inputs];
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
