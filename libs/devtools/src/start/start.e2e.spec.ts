import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { repoRoot } from '../paths.js';
import { type Child, startChild, waitFor } from '../services/child.js';
import { freePort, isPortFree } from '../services/ports.js';
import { browserUnavailable, launchChromium } from '../testing/browser.js';
import { dockerUnavailable, removeRunnerResources } from '../testing/runner-resources.js';

const RUNNER_NAME = `ks-${randomBytes(4).toString('hex')}`;
const noDocker = dockerUnavailable();

/** The README's first command, exercised as a user would: embedded Postgres, local Redis, Ctrl-C. */
describe('npm start on embedded defaults', () => {
  let home: string;
  let ports: Record<'api' | 'web' | 'runner' | 'gateway' | 'pg' | 'redis', number>;
  let launcher: Child;
  let output: string[];
  /** A scripted model (a test fixture) for the agent: the todo app of the API's agent e2e. */
  let model: Child;
  let modelUrl = '';

  const start = async () => {
    output = [];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KILN_HOME: home,
      API_PORT: String(ports.api),
      WEB_PORT: String(ports.web),
      RUNNER_PORT: String(ports.runner),
      GATEWAY_PORT: String(ports.gateway),
      KILN_POSTGRES_PORT: String(ports.pg),
      KILN_REDIS_PORT: String(ports.redis),
      RUNNER_NAME,
      AGENT_MODEL_BASE_URL: modelUrl,
      AGENT_MODEL: 'scripted-coder',
    };
    // Embedded defaults: no external Postgres or Redis.
    delete env['DATABASE_URL'];
    delete env['REDIS_URL'];
    launcher = startChild('launcher', process.execPath, [join(repoRoot, 'libs/devtools/dist/start/main.js')], {
      env,
      onLine: (line) => output.push(line),
    });
    await waitFor('launcher', () => Promise.resolve(output.includes('Kiln is running.')), {
      timeoutMs: 180_000,
      child: launcher,
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n--- launcher output ---\n${output.slice(-40).join('\n')}`);
    });
  };

  const ctrlC = async () => {
    launcher.process.kill('SIGINT');
    return launcher.exited;
  };

  const embeddedPgUrl = async () => {
    const password = (await readFile(join(home, 'postgres', 'password'), 'utf8')).trim();
    return `postgres://kiln:${encodeURIComponent(password)}@127.0.0.1:${ports.pg}/kiln`;
  };

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'kiln-home-'));
    await chmod(home, 0o755);
    ports = {
      api: await freePort(),
      web: await freePort(),
      runner: await freePort(),
      gateway: await freePort(),
      pg: await freePort(),
      redis: await freePort(),
    };
    // The script's turns are single-use; two sessions (the API's and the builder page's) build the app.
    const script = JSON.parse(await readFile(join(repoRoot, 'apps/api/test/scripts/todo-e2e.json'), 'utf8')) as {
      turns: { times?: number; [field: string]: unknown }[];
    };
    for (const turn of script.turns) turn.times = 5;
    // A follow-up the builder page sends: answered without a change.
    script.turns.push({
      match: '^The user says: ',
      times: 5,
      reply: {
        content: `\`\`\`json\n${JSON.stringify({ reply: 'The list already shows the most urgent todos first.', changeRequest: null, files: [] })}\n\`\`\``,
      },
    });
    const scriptPath = join(home, 'todo-e2e.json');
    await writeFile(scriptPath, JSON.stringify(script));
    const lines: string[] = [];
    model = startChild(
      'model',
      process.execPath,
      [join(repoRoot, 'libs/agent/dist/testing/serve-script.js'), scriptPath],
      { onLine: (line) => lines.push(line) },
    );
    await waitFor('model', () => Promise.resolve(lines.some((l) => l.includes('http://'))), {
      timeoutMs: 10_000,
      child: model,
    });
    modelUrl = /(http:\/\/\S+)/.exec(lines.find((l) => l.includes('http://')) ?? '')?.[1] ?? '';
    await start();
  });

  after(async () => {
    await launcher?.stop('SIGINT', 60_000);
    await model?.stop('SIGINT', 10_000);
    if (!noDocker) removeRunnerResources(RUNNER_NAME);
    await rm(home, { recursive: true, force: true });
  });

  it('prints the URLs to open', () => {
    assert.ok(output.some((l) => l.includes(`Open       http://127.0.0.1:${ports.web}`)));
    assert.ok(output.some((l) => l.includes(`postgres  embedded, 127.0.0.1:${ports.pg}`)));
    assert.ok(output.some((l) => l.includes(`redis     local redis-server, 127.0.0.1:${ports.redis}`)));
    assert.ok(output.some((l) => l.includes(`Gateway    http://127.0.0.1:${ports.gateway}`)));
  });

  it('the binding gateway answers, with a secret kept in KILN_HOME', async () => {
    assert.equal((await fetch(`http://127.0.0.1:${ports.gateway}/healthz`)).status, 200);
    assert.ok((await readFile(join(home, 'gateway-secret'), 'utf8')).length >= 64);
  });

  it('/readyz reports Postgres and Redis ok', async () => {
    const body = (await (await fetch(`http://127.0.0.1:${ports.api}/readyz`)).json()) as {
      data: { status: string; checks: Record<string, { status: string }> };
    };
    assert.equal(body.data.status, 'ok');
    assert.equal(body.data.checks['postgres']?.status, 'ok');
    assert.equal(body.data.checks['redis']?.status, 'ok');
  });

  it('the agent builds an app from a prompt on the started runner and gateway', { skip: noDocker }, async () => {
    const api = `http://127.0.0.1:${ports.api}`;
    const started = await fetch(`${api}/api/agent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a todo app with a D1 table' }),
    });
    assert.equal(started.status, 201, await started.clone().text());
    const { data } = (await started.json()) as { data: { eventsUrl: string } };
    const events = (await (await fetch(`${api}${data.eventsUrl}`)).text())
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { type: string; previewURL?: string; error?: string });
    assert.equal(events.at(-1)?.type, 'generation_complete', JSON.stringify(events.filter((e) => e.type === 'error')));
    const preview = events.findLast((e) => e.type === 'deployment_completed')?.previewURL ?? '';
    assert.ok(preview.startsWith(`http://127.0.0.1:${ports.runner}/preview/`), preview);
    // The app's API through the preview: a row written to its D1 database on the embedded Postgres.
    const base = preview.endsWith('/') ? preview : `${preview}/`;
    const added = await fetch(`${base}api/todos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'ship it', priority: 2 }),
    });
    assert.equal(added.status, 201, await added.clone().text());
    const todos = (await (await fetch(`${base}api/todos`)).json()) as { title: string }[];
    assert.deepEqual(
      todos.map((t) => t.title),
      ['ship it'],
    );
  });

  it('the web page shows Kiln and the live readiness', { skip: browserUnavailable() }, async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
      await page.goto(`http://127.0.0.1:${ports.web}/`);
      assert.equal(await page.locator('h1').textContent(), 'Kiln');
      await page.locator('[data-testid="check-postgres"][data-status="ok"]').waitFor({ timeout: 15_000 });
      await page.locator('[data-testid="check-redis"][data-status="ok"]').waitFor({ timeout: 15_000 });
      assert.equal(await page.locator('[data-testid="overall"]').textContent(), 'Ready');
      await mkdir(join(repoRoot, 'test-results'), { recursive: true });
      await page.screenshot({ path: join(repoRoot, 'test-results', 'home-ready.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });

  it(
    'the builder: a prompt on the home page becomes an app, built and previewed live',
    { skip: browserUnavailable() || noDocker },
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
        await page.goto(`http://127.0.0.1:${ports.web}/`);
        await page.getByRole('textbox', { name: 'Describe your app' }).fill('a todo app with a D1 table');
        assert.ok(await page.getByRole('radio', { name: 'Phased (plan, then build)' }).isChecked());
        await page.getByRole('button', { name: 'Build' }).click();
        await page.waitForURL(/\/build\/[0-9a-f-]{36}$/, { timeout: 30_000 });
        await page.getByTestId('phase').first().waitFor({ timeout: 60_000 });
        await mkdir(join(repoRoot, 'test-results'), { recursive: true });
        await page.screenshot({ path: join(repoRoot, 'test-results', 'builder-live.png') });

        // The page follows the session's events until the run ends.
        const status = page.getByTestId('build-status');
        await page.locator('[data-testid="build-status"]:not([data-status="building"])').waitFor({ timeout: 240_000 });
        const failure = (await page.getByTestId('failure').count())
          ? await page.getByTestId('failure').textContent()
          : '';
        assert.equal(await status.textContent(), 'Complete', failure ?? '');

        const files = (await page.getByTestId('file-list').textContent()) ?? '';
        assert.ok(files.includes('src/worker/index.ts'), files);
        const phases = page.getByTestId('phase');
        assert.ok((await phases.count()) >= 2);
        assert.equal(await page.locator('[data-testid="phase"]:not([data-state="implemented"])').count(), 0);

        // The preview frame is the runner's proxy (another origin): the generated page's heading inside it.
        const frame = page.getByTestId('preview-frame');
        const src = (await frame.getAttribute('src')) ?? '';
        assert.ok(src.startsWith(`http://127.0.0.1:${ports.runner}/preview/`), src);
        await page
          .frameLocator('[data-testid="preview-frame"]')
          .getByRole('heading', { name: 'Todos' })
          .waitFor({ timeout: 60_000 });
        assert.equal((await fetch(src)).status, 200);

        // Picking a file shows its contents.
        await page.getByRole('button', { name: /src\/worker\/index\.ts/ }).click();
        assert.match((await page.getByTestId('code-view').textContent()) ?? '', /todos/i);

        // The run's closing summary (from the checkpoint once the run is over) ends the conversation.
        const conversation = page.getByTestId('conversation');
        await conversation.getByText(/Prioritised todos is ready/).waitFor({ timeout: 30_000 });
        // A follow-up: the stream re-opens and replays; the view is rebuilt, nothing shows twice.
        const before = {
          files: await page.getByTestId('file-list').getByRole('listitem').count(),
          phases: await phases.count(),
        };
        await page.getByRole('textbox', { name: 'Ask for a change' }).fill('Does it sort by priority?');
        await page.getByRole('button', { name: 'Send' }).click();
        await conversation
          .getByText('The list already shows the most urgent todos first.')
          .waitFor({ timeout: 60_000 });
        await page.locator('[data-testid="build-status"][data-status="complete"]').waitFor({ timeout: 60_000 });
        assert.equal(await conversation.getByText('Does it sort by priority?').count(), 1);
        assert.equal(await conversation.getByRole('listitem').count(), 3, 'the summary, the question, the answer');
        assert.equal(await page.getByTestId('file-list').getByRole('listitem').count(), before.files);
        assert.equal(await phases.count(), before.phases);

        await mkdir(join(repoRoot, 'test-results'), { recursive: true });
        await page.screenshot({ path: join(repoRoot, 'test-results', 'builder.png') });
        // Opening the page again (here on a narrow screen, where the columns stack) replays the session.
        const narrow = await browser.newPage({ viewport: { width: 720, height: 1000 } });
        await narrow.goto(page.url());
        await narrow.locator('[data-testid="build-status"][data-status="complete"]').waitFor({ timeout: 30_000 });
        assert.equal(await narrow.getByTestId('file-list').getByRole('listitem').count(), before.files);
        await narrow.getByTestId('preview-frame').scrollIntoViewIfNeeded();
        await narrow
          .frameLocator('[data-testid="preview-frame"]')
          .getByRole('heading', { name: 'Todos' })
          .waitFor({ timeout: 30_000 });
        await narrow.screenshot({ path: join(repoRoot, 'test-results', 'builder-narrow.png') });

        // The home page lists the build among the recent ones, a way back to its page.
        const buildPath = new URL(page.url()).pathname;
        await narrow.goto(`http://127.0.0.1:${ports.web}/`);
        const recent = narrow.getByTestId('recent-builds');
        await recent.locator(`a[href="${buildPath}"]`).first().waitFor({ timeout: 10_000 });
        assert.match(
          (await recent.locator(`a[href="${buildPath}"]`).first().textContent()) ?? '',
          /Prioritised todos.*Complete/s,
        );
        await narrow.screenshot({ path: join(repoRoot, 'test-results', 'home-recent.png'), fullPage: true });
      } finally {
        await browser.close();
      }
    },
  );

  it('Ctrl-C stops everything it started, and nothing is lost', async () => {
    const db = new pg.Client({ connectionString: await embeddedPgUrl() });
    await db.connect();
    await db.query(`INSERT INTO app (slug, name) VALUES ('kept-after-restart', 'Kept')`);
    await db.end();
    const redis = new Redis(`redis://127.0.0.1:${ports.redis}/0`);
    await redis.set('kiln:e2e:kept', 'yes');
    redis.disconnect();

    const { code } = await ctrlC();
    assert.equal(code, 0, output.slice(-20).join('\n'));
    assert.ok(output.includes('kiln    | all stopped, data is saved'));
    for (const [name, port] of Object.entries(ports)) {
      assert.ok(await isPortFree(port), `${name} still listens on ${port} after Ctrl-C`);
    }

    await start();
    const again = new pg.Client({ connectionString: await embeddedPgUrl() });
    await again.connect();
    const rows = await again.query<{ name: string }>(`SELECT name FROM app WHERE slug = 'kept-after-restart'`);
    await again.end();
    assert.deepEqual(
      rows.rows.map((r) => r.name),
      ['Kept'],
    );
    const redisAgain = new Redis(`redis://127.0.0.1:${ports.redis}/0`);
    assert.equal(await redisAgain.get('kiln:e2e:kept'), 'yes');
    redisAgain.disconnect();
  });

  it('a bad variable stops the launcher with its name', async () => {
    const lines: string[] = [];
    const bad = startChild('launcher', process.execPath, [join(repoRoot, 'libs/devtools/dist/start/main.js')], {
      env: { ...process.env, KILN_HOME: home, WEB_PORT: 'http' },
      onLine: (line) => lines.push(line),
    });
    const { code } = await bad.exited;
    assert.equal(code, 1);
    assert.ok(
      lines.some((l) => /WEB_PORT: must be a port number.*\(got "http"\)/.test(l)),
      lines.join('\n'),
    );
  });
});
