/** The compose file of the rolling-update test and benchmark. */

/** A web service answering its version; on SIGTERM it keeps serving 2 s (drains), then ends. */
export function rollingCompose(
  project: string,
  o: {
    version: string;
    replicas: number;
    update: Record<string, string | number>;
    command?: string;
  },
): string {
  const serve = `mkdir -p /www && echo ${o.version} > /www/index.html && (httpd -f -p 80 -h /www & echo $$! > /pid; wait) & trap 'sleep 2; kill $$(cat /pid); exit 0' TERM; while :; do sleep 1; done`;
  const update = Object.entries(o.update).map(([k, v]) => `        ${k}: ${v}`);
  return [
    `name: ${project}`,
    'services:',
    '  web:',
    '    image: fizz/busybox:latest',
    `    command: ["sh", "-c", ${JSON.stringify(o.command ?? serve)}]`,
    '    init: true',
    '    stop_grace_period: 5s',
    '    ports: ["80"]',
    '    healthcheck:',
    '      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"]',
    '      interval: 500ms',
    '      timeout: 2s',
    '      retries: 2',
    '      start_period: 5s',
    '      start_interval: 200ms',
    '    deploy:',
    `      replicas: ${o.replicas}`,
    '      update_config:',
    ...update,
    '',
  ].join('\n');
}
