/** `--format` templates for ps, ls and images: fields, functions, pipelines, tables, and clear refusals. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from 'clipanion';
import type { LsEntry, PsEntry } from '../../src/api/protocol.js';
import { renderImages } from '../../src/cli/commands/images.js';
import { renderLs } from '../../src/cli/commands/ls.js';
import { PS_FIELDS, renderPs } from '../../src/cli/commands/ps.js';
import { formatOption, goString, parseFormat, renderFormat } from '../../src/cli/go-template.js';

const ROWS = [
  {
    Name: 'shop-web-1',
    State: 'running',
    Status: 'Up 2 minutes',
    Replica: 1,
    Tags: ['a', 'b'],
    Labels: { x: '1' },
  },
  { Name: 'shop-db-1', State: 'exited', Status: 'Exited (0)', Replica: 1, Tags: [], Labels: {} },
];
const FIELDS = ['Name', 'State', 'Status', 'Replica', 'Tags', 'Labels'];

function render(format: string, headers: Record<string, string> = {}): string {
  return renderFormat(parseFormat(format, FIELDS), ROWS, headers);
}

test('template: fields and text, one line per row; \\t and \\n as typed on a command line', () => {
  assert.equal(render('{{.Name}} {{.State}}'), 'shop-web-1 running\nshop-db-1 exited\n');
  assert.equal(render('{{.Name}}\\t{{.Replica}}'), 'shop-web-1\t1\nshop-db-1\t1\n');
  assert.equal(render('name={{ .Name }}'), 'name=shop-web-1\nname=shop-db-1\n');
  assert.equal(
    render('{{.Tags}} {{.Labels}}'),
    '[a b] map[x:1]\n[] map[]\n',
    'Go’s printing of lists and maps',
  );
});

test('template: json, upper, lower, title, join, truncate, pad; pipelines; trim markers', () => {
  assert.equal(render('{{json .Tags}}'), '["a","b"]\n[]\n');
  assert.equal(
    renderFormat(parseFormat('{{json .}}', FIELDS), [ROWS[0]!], {}),
    `${JSON.stringify(ROWS[0])}\n`,
  );
  assert.equal(
    render('{{upper .State}}|{{.Name | upper}}|{{lower "AB"}}|{{title "web db"}}'),
    'RUNNING|SHOP-WEB-1|ab|Web Db\nEXITED|SHOP-DB-1|ab|Web Db\n',
  );
  assert.equal(render('{{join .Tags ","}}'), 'a,b\n\n');
  assert.equal(render('{{json .Replica}}{{println}}'), '1\n\n1\n\n');
  assert.equal(render('{{truncate .Name 4}}'), 'shop\nshop\n');
  assert.equal(render('{{pad .State 1 2}}|'), ' running  |\n exited  |\n');
  assert.equal(render('{{- .Name -}}  !'), 'shop-web-1!\nshop-db-1!\n', 'trim markers');
});

test('table: aligned cells under a header named after the fields', () => {
  assert.equal(
    render('table {{.Name}}\\t{{.Status}}', { Name: 'NAME' }),
    'NAME         STATUS\nshop-web-1   Up 2 minutes\nshop-db-1    Exited (0)\n',
  );
  assert.equal(render('table {{.State}}').split('\n')[0], 'STATE');
});

test('template: an unknown field, function or action is refused with what is valid', () => {
  assert.throws(() => parseFormat('{{.Nmae}}', FIELDS), {
    name: 'TemplateError',
    message: /no field "Nmae"; the fields are \.Name, \.State/,
  });
  assert.throws(() => parseFormat('{{shout .Name}}', FIELDS), {
    name: 'TemplateError',
    message: /unknown function "shout"/,
  });
  assert.throws(() => parseFormat('{{range .Tags}}x{{end}}', FIELDS), {
    name: 'TemplateError',
    message: /not supported/,
  });
  assert.throws(() => parseFormat('{{.Name', FIELDS), { name: 'TemplateError', message: /never closed/ });
  assert.throws(() => parseFormat('{{truncate .Name}}', FIELDS), {
    name: 'TemplateError',
    message: /wants 2/,
  });
  assert.throws(() => parseFormat('{{}}', FIELDS), { name: 'TemplateError' });
  assert.throws(() => formatOption('{{.Nope}}', FIELDS), UsageError, 'a command reports it as a usage error');
  assert.equal(formatOption('json', FIELDS), 'json');
  assert.equal(goString(undefined), '<no value>');
});

const PS: PsEntry = {
  project: 'shop',
  service: 'web',
  replica: 0,
  name: 'shop-web-1',
  id: 'abc',
  image: 'busybox',
  state: 'running',
  health: 'healthy',
  ports: [{ target: 80, published: 8080, protocol: 'tcp' }],
  createdAt: 0,
  status: 'Up 1 second (healthy)',
};

test('ps, ls and images take the same templates over their docker compose fields', () => {
  const how = { quiet: false, services: false, noTrunc: false, now: 1000 };
  assert.equal(
    renderPs([PS], {
      ...how,
      format: parseFormat('{{.Name}} {{.Service}} {{.State}} {{.Health}} {{.Ports}}', PS_FIELDS),
    }),
    'shop-web-1 web running healthy 0.0.0.0:8080->80/tcp\n',
  );
  assert.equal(
    renderPs([PS], {
      ...how,
      format: parseFormat('table {{.ID}}\\t{{.RunningFor}}\\t{{.Names}}', PS_FIELDS),
    }),
    'CONTAINER ID   CREATED        NAME\nabc            1 second ago   shop-web-1\n',
  );
  const ls: LsEntry[] = [{ name: 'shop', states: { running: 2 }, configFiles: ['/a/compose.yaml'] }];
  assert.equal(
    renderLs(ls, {
      quiet: false,
      format: parseFormat('{{.Name}}: {{.Status}} {{.ConfigFiles}}', ['Name', 'Status', 'ConfigFiles']),
    }),
    'shop: running(2) /a/compose.yaml\n',
  );
  assert.equal(
    renderImages(
      [
        {
          container: 'shop-web-1',
          service: 'web',
          replica: 0,
          image: 'fizz/busybox:latest',
          id: 'sha256:1',
          size: 5,
        },
      ],
      {
        quiet: false,
        format: parseFormat('{{.Repository}}:{{.Tag}} {{.Size}}', [
          'ID',
          'ContainerName',
          'Repository',
          'Tag',
          'Size',
        ]),
      },
    ),
    'fizz/busybox:latest 5\n',
  );
});
