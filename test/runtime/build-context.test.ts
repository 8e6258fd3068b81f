/**
 * The build context as the docker CLI makes it: .dockerignore patterns, the tar archive (read
 * back with the system's tar), Dockerfiles from outside the context or inline, remote contexts
 * refused; and the builder's output read into lines, steps and Dockerfile lines.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { prepareContext, remoteContextReason } from '../../src/runtime/build-context.js';
import { BuildOutput } from '../../src/runtime/build-output.js';
import { dockerfileInstructions, stepLine } from '../../src/runtime/dockerfile-steps.js';
import { cleanPath, IgnoreMatcher, parseDockerignore } from '../../src/runtime/dockerignore.js';
import { classifyPullFailure } from '../../src/runtime/images.js';

test('.dockerignore patterns: comments, cleaning, exceptions, leading slash', () => {
  assert.deepEqual(
    parseDockerignore('\uFEFF# comment\n  *.log \n!keep.log\n/abs/./x/../y\n\n!  spaced\n#x\n'),
    ['*.log', '!keep.log', 'abs/y', '!spaced'],
  );
  assert.equal(cleanPath('a//b/./c/..'), 'a/b');
  assert.equal(cleanPath('../x'), '../x');
  assert.equal(cleanPath('/'), '/');
});

test('.dockerignore matching: last match wins, parents match, ** spans directories', () => {
  const m = new IgnoreMatcher(['*.log', '!keep.log', 'node_modules', 'docs/**/*.md', '**/secret', 'a?c']);
  const table: Array<[string, boolean]> = [
    ['x.log', true],
    ['keep.log', false],
    ['sub/x.log', false], // `*` does not cross `/`
    ['node_modules', true],
    ['node_modules/pkg/index.js', true], // a parent matches
    ['docs/a.md', true],
    ['docs/deep/er/b.md', true],
    ['docs/a.txt', false],
    ['secret', true],
    ['x/y/secret', true],
    ['abc', true],
    ['abbc', false],
    ['src/main.ts', false],
  ];
  for (const [path, excluded] of table) assert.equal(m.matches(path), excluded, path);
  assert.ok(m.hasExclusions);
  const dirs = new IgnoreMatcher(['build', '!build/keep.txt']);
  assert.ok(dirs.matches('build/out.o'));
  assert.ok(!dirs.matches('build/keep.txt'));
  assert.ok(dirs.mayIncludeBelow('build'));
  assert.ok(!dirs.mayIncludeBelow('other'));
  assert.throws(() => new IgnoreMatcher(['[a-']), /syntax error in pattern/);
});

function listTar(chunks: Buffer[]): string[] {
  return execFileSync('tar', ['-t'], { input: Buffer.concat(chunks) })
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .sort();
}

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const c of it) out.push(c);
  return out;
}

test('the context archive honours .dockerignore but always carries the Dockerfile and .dockerignore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fz-ctx-'));
  try {
    mkdirSync(join(dir, 'src/deep'), { recursive: true });
    mkdirSync(join(dir, 'build'));
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    writeFileSync(join(dir, '.dockerignore'), 'build\n!build/keep.txt\n*.log\nDockerfile\n.dockerignore\n');
    writeFileSync(join(dir, 'src/deep/a.txt'), 'a'.repeat(1000));
    writeFileSync(join(dir, 'x.log'), 'log');
    writeFileSync(join(dir, 'build/out.o'), 'o');
    writeFileSync(join(dir, 'build/keep.txt'), 'k');
    const long = `${'n'.repeat(120)}.txt`;
    writeFileSync(join(dir, 'src', long), 'long name');
    symlinkSync('deep/a.txt', join(dir, 'src/link'));
    const ctx = await prepareContext({ context: dir, tags: ['t'] });
    assert.equal(ctx.dockerfile, 'Dockerfile');
    assert.equal(ctx.dockerfileText, 'FROM scratch\n');
    const chunks = await collect(ctx.archive);
    assert.deepEqual(listTar(chunks), [
      '.dockerignore',
      'Dockerfile',
      'build/keep.txt',
      'src/',
      'src/deep/',
      'src/deep/a.txt',
      'src/link',
      `src/${long}`,
    ]);
    const a = execFileSync('tar', ['-xO', 'src/deep/a.txt'], { input: Buffer.concat(chunks) }).toString();
    assert.equal(a, 'a'.repeat(1000));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a Dockerfile outside the context or inline travels under a name of its own', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fz-ctx-'));
  try {
    mkdirSync(join(dir, 'ctx'));
    writeFileSync(join(dir, 'ctx/file'), 'f');
    writeFileSync(join(dir, 'Dockerfile.out'), 'FROM scratch\nCOPY file /\n');
    const outside = await prepareContext({
      context: join(dir, 'ctx'),
      dockerfile: '../Dockerfile.out',
      tags: [],
    });
    assert.match(outside.dockerfile, /^\.dockerfile\.[0-9a-f]{12}$/);
    assert.equal(outside.dockerfileLabel, join(dir, 'Dockerfile.out'));
    assert.deepEqual(listTar(await collect(outside.archive)), [outside.dockerfile, 'file']);
    const inline = await prepareContext({
      context: join(dir, 'ctx'),
      dockerfileInline: 'FROM scratch\n',
      tags: [],
    });
    assert.match(inline.dockerfile, /^\.dockerfile\.inline\./);
    assert.equal(inline.dockerfileLabel, 'dockerfile_inline');
    assert.deepEqual(listTar(await collect(inline.archive)), [inline.dockerfile, 'file']);
    await assert.rejects(prepareContext({ context: join(dir, 'ctx'), tags: [] }), (err: Error) => {
      assert.equal(err.name, 'BuildContextError');
      assert.match(err.message, /no Dockerfile at .*ctx\/Dockerfile/);
      return true;
    });
    await assert.rejects(prepareContext({ context: join(dir, 'nope'), tags: [] }), /does not exist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('git and HTTP contexts are refused offline, with what to do', async () => {
  for (const ctx of ['https://github.com/o/r.git#main', 'git@github.com:o/r.git', 'github.com/o/r'])
    assert.match(remoteContextReason(ctx) ?? '', /git repository URL.*clone/);
  assert.match(remoteContextReason('https://example.com/ctx.tar.gz') ?? '', /not a local directory/);
  assert.equal(remoteContextReason('/abs/dir'), undefined);
  await assert.rejects(prepareContext({ context: 'https://github.com/o/r.git', tags: [] }), {
    name: 'BuildContextError',
  });
});

test('Dockerfile instructions and their lines: directives, comments, continuations', () => {
  const text = [
    '# escape=`', // 1
    '# a comment', // 2
    'FROM busybox AS base', // 3
    '', // 4
    'RUN echo a `', // 5
    '  # inside', // 6
    '  && echo b', // 7
    'ARG X', // 8
    'FROM base', // 9
    'RUN exit 3', // 10
  ].join('\n');
  const ins = dockerfileInstructions(text);
  assert.deepEqual(
    ins.map((i) => i.line),
    [3, 5, 8, 9, 10],
  );
  assert.equal(stepLine(ins, 5), 10);
  assert.equal(stepLine(ins, 6), undefined);
  assert.deepEqual(
    dockerfileInstructions('FROM a\nRUN x \\\n  y\nCMD z\n').map((i) => i.line),
    [1, 2, 4],
  );
});

test('the builder stream becomes lines, the step under way, the image id and the error', () => {
  const lines: string[] = [];
  const out = new BuildOutput((l) => lines.push(l));
  out.add({ stream: 'Step 1/2 : FROM fizz/busybox\n' });
  out.add({ stream: ' ---> abc\nStep 2/2 : RUN ex' });
  out.add({ stream: 'it 3\n' });
  out.add({ status: 'Downloading', id: 'l1', progressDetail: { current: 1, total: 2 } });
  out.add({ status: 'Pull complete', id: 'l1' });
  out.add({ aux: { ID: 'sha256:feed' } });
  out.add({
    errorDetail: { message: "The command '/bin/sh -c exit 3' returned a non-zero code: 3", code: 3 },
  });
  assert.deepEqual(lines, [
    'Step 1/2 : FROM fizz/busybox',
    ' ---> abc',
    'Step 2/2 : RUN exit 3',
    'l1: Pull complete',
  ]);
  assert.deepEqual(out.step, { index: 2, total: 2, instruction: 'RUN exit 3' });
  assert.equal(out.imageId, 'sha256:feed');
  assert.match(out.error ?? '', /non-zero code: 3/);
});

test('pull failures are classified from the engine’s words', () => {
  const table: Array<[string, number | undefined, string]> = [
    ['Head "http://127.0.0.1:5001/v2/x/manifests/v1": no basic auth credentials', 500, 'auth'],
    ['unauthorized: authentication required', 500, 'auth'],
    ["pull access denied for x, repository does not exist or may require 'docker login'", 404, 'auth'],
    ['manifest for 127.0.0.1:5000/x:nope not found: manifest unknown: manifest unknown', 404, 'not-found'],
    [
      'Get "http://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused',
      500,
      'unreachable',
    ],
    ['Get "https://nowhere.invalid/v2/": dial tcp: lookup nowhere.invalid: no such host', 500, 'unreachable'],
    ['something else', 500, 'other'],
  ];
  for (const [msg, code, kind] of table) assert.equal(classifyPullFailure(msg, code), kind, msg);
});
