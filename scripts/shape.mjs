#!/usr/bin/env node
// The code's shape against CONTRIBUTING.md's limits: files in src/ over 300 lines, functions over
// 60 lines, and module-level `let` (mutable state outside caches). `--json` for tests, `--all`
// lists every file and its longest function.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

export const MAX_FILE_LINES = 300;
export const MAX_FUNCTION_LINES = 60;

function* files(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.(ts|c|mjs|js)$/.test(name) && !name.endsWith('.d.ts')) yield p;
  }
}

function nameOf(node, sf) {
  if (node.name) return node.name.getText(sf);
  const p = node.parent;
  if (p && ts.isVariableDeclaration(p)) return p.name.getText(sf);
  if (p && ts.isPropertyAssignment(p)) return p.name.getText(sf);
  if (p && ts.isPropertyDeclaration(p)) return p.name.getText(sf);
  return '(anonymous)';
}

/** Every function in a TypeScript file with its length in lines, and its module-level `let`s. */
export function shapeOf(file) {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  const functions = [];
  const mutable = [];
  if (file.endsWith('.ts')) {
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (ts.isFunctionLike(node) && node.body) {
        const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
        const end = sf.getLineAndCharacterOfPosition(node.end).line;
        functions.push({ name: nameOf(node, sf), line: start + 1, lines: end - start + 1 });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
    for (const st of sf.statements) {
      if (ts.isVariableStatement(st) && (st.declarationList.flags & ts.NodeFlags.Let)) {
        for (const d of st.declarationList.declarations) mutable.push(d.name.getText(sf));
      }
    }
  }
  functions.sort((a, b) => b.lines - a.lines);
  return { file, lines, functions, mutable };
}

export function shape(root = 'src') {
  return [...files(root)].map(shapeOf);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const all = shape(process.argv.find((a) => !a.startsWith('--') && a !== process.argv[0] && a !== process.argv[1]) ?? 'src');
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(all, null, 1));
  } else {
    const rows = all
      .filter((s) => process.argv.includes('--all') || s.lines > MAX_FILE_LINES || (s.functions[0]?.lines ?? 0) > MAX_FUNCTION_LINES || s.mutable.length)
      .sort((a, b) => b.lines - a.lines);
    console.log('| file | lines | longest function | module-level let |\n|---|---|---|---|');
    for (const s of rows) {
      const f = s.functions[0];
      console.log(`| ${s.file} | ${s.lines} | ${f ? `${f.name} ${f.lines}` : ''} | ${s.mutable.join(', ')} |`);
    }
    const longFns = all.flatMap((s) => s.functions.filter((f) => f.lines > MAX_FUNCTION_LINES).map((f) => `${s.file}:${f.line} ${f.name} ${f.lines}`));
    console.log(`\nfunctions over ${MAX_FUNCTION_LINES} lines: ${longFns.length}`);
    for (const l of longFns) console.log(`  ${l}`);
  }
}
