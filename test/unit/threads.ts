/** Linux: the threads of a process with their names and nice values, from /proc/<pid>/task. */
import { readdirSync, readFileSync } from 'node:fs';

export interface ThreadInfo {
  tid: number;
  comm: string;
  nice: number;
}

export function threadsOf(pid: number): ThreadInfo[] {
  const threads: ThreadInfo[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) in parentheses: state is field 3, nice 19.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      threads.push({ tid: Number(tid), comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), nice: Number(fields[16]) });
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return threads;
}
