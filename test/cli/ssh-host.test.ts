/** The `--host` address and the ssh command it becomes (no ssh run: ssh-host.test in e2e does that). */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { AgentClient } from '../../src/api/client.js';
import { splitHost } from '../../src/cli/main.js';
import { ChildStream, parseHost, REMOTE_COMMAND, sshArgs, sshDialer } from '../../src/cli/ssh-host.js';

test('ssh:// addresses parse into user, host and port', () => {
  assert.deepEqual(parseHost('ssh://root@node1:2222'), {
    user: 'root',
    host: 'node1',
    port: 2222,
    url: 'ssh://root@node1:2222',
  });
  assert.deepEqual(parseHost('ssh://node1'), {
    user: undefined,
    host: 'node1',
    port: undefined,
    url: 'ssh://node1',
  });
  assert.equal(parseHost('ssh://[::1]:22').host, '::1');
  assert.deepEqual(sshArgs(parseHost('ssh://me@n:2200')), [
    '-o',
    'ConnectTimeout=15',
    '-l',
    'me',
    '-p',
    '2200',
    '--',
    'n',
    ...REMOTE_COMMAND,
  ]);
});

test('anything but ssh://[user@]host[:port] is a HostAddressError', () => {
  for (const bad of [
    'node1',
    'tcp://n:2375',
    'unix:///var/run/x.sock',
    'ssh://',
    'ssh://u:pw@n',
    'ssh://n/path',
    'ssh://n?x=1',
    'ssh://-oProxyCommand=x',
  ])
    assert.throws(() => parseHost(bad), { name: 'HostAddressError' }, bad);
});

test('--host and -H before the command are taken out of argv', () => {
  assert.deepEqual(splitHost(['--host', 'ssh://n', 'ps', '-a']), { host: 'ssh://n', rest: ['ps', '-a'] });
  assert.deepEqual(splitHost(['-H', 'ssh://n', 'ps']), { host: 'ssh://n', rest: ['ps'] });
  assert.deepEqual(splitHost(['--host=ssh://n', 'ps']), { host: 'ssh://n', rest: ['ps'] });
  // After the command, -H is the command's business.
  assert.deepEqual(splitHost(['ps', '-H', 'x']), { host: undefined, rest: ['ps', '-H', 'x'] });
  assert.ok('error' in splitHost(['--host']));
  assert.ok('error' in splitHost(['--host', '--version']));
});

test('a failed ssh is one RemoteHostError with its last stderr line; a missing ssh says so', async () => {
  const failing = () =>
    new ChildStream(
      spawn(
        'sh',
        ['-c', 'echo "Warning: something" >&2; echo "ssh: Could not resolve hostname nowhere" >&2; exit 255'],
        {
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      ),
      'ssh://nowhere',
    );
  await assert.rejects(new AgentClient('ssh://nowhere', failing).info(), {
    name: 'RemoteHostError',
    message: 'cannot reach the Fizz agent on ssh://nowhere: ssh: Could not resolve hostname nowhere',
  });
  const noSsh = sshDialer(parseHost('ssh://n'), { PATH: '/nonexistent' });
  await assert.rejects(new AgentClient('ssh://n', noSsh).info(), {
    name: 'RemoteHostError',
    message: /no ssh command on PATH/,
  });
});
