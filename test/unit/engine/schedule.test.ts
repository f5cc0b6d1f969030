import assert from 'node:assert/strict';
import { Scheduler } from '../../../src/core/schedule';

interface Item {
  name: string;
  bytes: number;
  bigMB: number;
}

/** A plan() over a fixed list, counting how far it ran ahead of the takers. */
function planner(items: Array<Item | null>): { plan: () => Promise<Item | null | undefined>; planned: () => number } {
  let next = 0;
  return {
    plan: async () => {
      await new Promise((r) => setImmediate(r));
      return next < items.length ? items[next++] : undefined;
    },
    planned: () => next,
  };
}

const item = (name: string, bytes: number, bigMB = 0): Item => ({ name, bytes, bigMB });

async function drain(s: Scheduler<Item>, onTake?: (i: Item) => void): Promise<string[]> {
  const order: string[] = [];
  for (let i = await s.take(); i !== undefined; i = await s.take()) {
    order.push(i.name);
    onTake?.(i);
  }
  return order;
}

suite('engine: schedule', () => {
  test('the first image at once, then biggest first within the window; files that need no task are passed over', async () => {
    const { plan } = planner([item('a', 5), item('b', 1), null, item('c', 9), item('d', 2), item('e', 8), null, item('f', 3)]);
    // Finishing each image at once: only the order counts here.
    const s: Scheduler<Item> = new Scheduler(plan, { depth: 3, parallel: 1, budgetMB: 100, eager: 1 });
    assert.deepEqual(await drain(s, (i) => s.finished(i)), ['a', 'c', 'e', 'f', 'd', 'b']);
  });

  test('plans at most `depth` ahead, several at once', async () => {
    const items = Array.from({ length: 50 }, (_, i) => item(`i${i}`, i));
    const p = planner(items);
    const s = new Scheduler(p.plan, { depth: 8, parallel: 4, budgetMB: 100, eager: 1 });
    const first = await s.take();
    assert.equal(first?.name, 'i0', 'the first one planned, at once');
    assert.ok(p.planned() <= 5, `${p.planned()} planned before the first take returned`);
    const second = await s.take();
    assert.equal(second?.name, 'i8', 'the biggest of the next 8');
    assert.ok(p.planned() <= 10, `${p.planned()} planned after two takes`);
    const rest = await drain(s);
    assert.equal(new Set([first!.name, second!.name, ...rest]).size, 50, 'each once');
  });

  test('the first `eager` images go out as soon as each is planned, one per worker', async () => {
    const items = Array.from({ length: 50 }, (_, i) => item(`i${i}`, i));
    const p = planner(items);
    const s = new Scheduler(p.plan, { depth: 8, parallel: 4, budgetMB: 100, eager: 2 });
    const [first, second] = [await s.take(), await s.take()];
    assert.deepEqual([first?.name, second?.name], ['i0', 'i1'], 'in planning order, not the biggest of a full window');
    assert.ok(p.planned() <= 6, `${p.planned()} planned before the second take returned`);
    const third = await s.take();
    assert.equal(third?.name, 'i9', 'then the biggest of the window');
  });

  test('an eager take still waits for an image that fits the big-decode budget', async () => {
    const { plan } = planner([item('big1', 50, 88), item('big2', 40, 88), item('small', 10)]);
    const s = new Scheduler(plan, { depth: 10, parallel: 1, budgetMB: 112, eager: 2 });
    assert.deepEqual([(await s.take())?.name, (await s.take())?.name], ['big1', 'small']);
  });

  test('a big decode that does not fit beside the ones taken waits for one that does', async () => {
    const { plan } = planner([item('big1', 50, 88), item('big2', 40, 88), item('small1', 10), item('small2', 5), item('mid', 30, 24)]);
    const s = new Scheduler(plan, { depth: 10, parallel: 2, budgetMB: 112, eager: 1 });
    const a = await s.take(); // big1: the first planned goes at once, and nothing is in use yet
    const b = await s.take(); // big2 (88) does not fit beside big1 (88); mid (24) does
    const c = await s.take(); // 88 + 24 in use: the small ones only
    assert.deepEqual([a?.name, b?.name, c?.name], ['big1', 'mid', 'small1']);
    s.finished(a!);
    const d = await s.take(); // 24 in use: big2 fits now
    assert.equal(d?.name, 'big2');
  });

  test('when nothing fits, the biggest goes anyway', async () => {
    const { plan } = planner([item('big1', 50, 100), item('big2', 40, 100)]);
    const s = new Scheduler(plan, { depth: 10, parallel: 2, budgetMB: 112, eager: 1 });
    assert.deepEqual([(await s.take())?.name, (await s.take())?.name, await s.take()], ['big1', 'big2', undefined]);
  });

  test('a planning error reaches the taker', async () => {
    let calls = 0;
    const s = new Scheduler<Item>(
      async () => {
        if (++calls === 2) throw new Error('cannot list the folder');
        return calls < 5 ? item(`i${calls}`, calls) : undefined;
      },
      { depth: 4, parallel: 1, budgetMB: 100, eager: 1 },
    );
    await assert.rejects(drain(s), /cannot list the folder/);
  });
});
