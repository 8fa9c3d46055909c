// Open a served Watchtower site in Debian's Chromium and print what the client did, as JSON.
//
// Usage: node observe_site.mjs CONFIG.json
// CONFIG: {baseUrl, projectId, projectName, seeks: [{frame, method}], artifactsDir}
// method 'client' moves the client to the frame; 'direct' sets the <video> time to the
// middle of the frame, bypassing the client.
// The script only observes: the Python caller compares the result with what it expects.
// Any request to another origin is aborted and listed in `blockedRequests`.

import { chromium } from 'playwright-core';
import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
// Upper bound for one page state to appear; reaching it is reported, not thrown.
const WAIT_MS = 30000;

// Finds a mounted Vue component by name through the vnode tree that Vue keeps on #app. The client's stores
// are plain reactive objects passed as props, not Pinia stores.
const FIND_COMPONENT = `(name) => {
  const root = document.querySelector('#app')?._vnode;
  const pending = root ? [root] : [];
  while (pending.length) {
    const vnode = pending.pop();
    if (!vnode) continue;
    const component = vnode.component;
    if (component) {
      if (component.type.__name === name) return component;
      pending.push(component.subTree);
    }
    if (Array.isArray(vnode.children)) pending.push(...vnode.children);
  }
  return null;
}`;

// Page helpers: the mean RGB of a 16x16 box in the middle of a video's current picture, and
// a hidden second <video> for reading frames of the edit without the client.
const PAGE_HELPERS = `
window.sampleVideoCenter = (video) => {
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const context2d = canvas.getContext('2d', { willReadFrequently: true });
  context2d.drawImage(video, 0, 0);
  const box = 16;
  const x = Math.floor((canvas.width - box) / 2);
  const y = Math.floor((canvas.height - box) / 2);
  const pixels = context2d.getImageData(x, y, box, box).data;
  const sums = [0, 0, 0];
  for (let i = 0; i < pixels.length; i += 4) {
    for (let c = 0; c < 3; c++) sums[c] += pixels[i + c];
  }
  return sums.map((sum) => Math.round(sum / (pixels.length / 4)));
};
window.frameProbe = async (src) => {
  if (!window.frameProbeVideo) {
    const video = document.createElement('video');
    video.muted = true;
    video.preload = 'auto';
    const loaded = new Promise((resolve, reject) => {
      video.addEventListener('loadeddata', resolve, { once: true });
      video.addEventListener('error', () => reject(new Error('frame probe: ' + video.error?.message)), { once: true });
    });
    video.src = src;
    await loaded;
    window.frameProbeVideo = video;
  }
  return window.frameProbeVideo;
};
`;

const config = JSON.parse(await readFile(process.argv[2], 'utf8'));
const observation = {
  blockedRequests: [], failedRequests: [], httpErrors: [], loadedImages: [],
  console: [], pageErrors: [], waitTimeouts: [],
  listPage: null, projectPage: null, seeks: [], screenshots: [],
};

const pendingConsoleMessages = [];
const userDataDir = await mkdtemp(path.join(tmpdir(), 'watchtower-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS,
  viewport: { width: 1400, height: 900 },
});
try {
  await observeSite(context);
} catch (error) {
  observation.pageErrors.push(`observer: ${error.stack || error}`);
} finally {
  await context.close();
  await rm(userDataDir, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(observation));

async function observeSite(context) {
  const origin = new URL(config.baseUrl).origin;
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    observation.blockedRequests.push(url);
    return route.abort('blockedbyclient');
  });
  await context.addInitScript({
    content: `window.findVueComponent = ${FIND_COMPONENT};\n${PAGE_HELPERS}`,
  });
  const page = context.pages()[0] ?? await context.newPage();
  recordPageEvents(page, origin);
  await mkdir(config.artifactsDir, { recursive: true });

  await page.goto(`${config.baseUrl}#/`);
  observation.listPage = await observeListPage(page);
  await screenshot(page, 'project-list.png');

  const link = page.locator('.projects-list a', { hasText: config.projectName });
  if (await link.count() === 0) {
    observation.pageErrors.push(`observer: no link to "${config.projectName}" on the list page`);
    await page.goto(`${config.baseUrl}#/pro/${config.projectId}`);
  } else {
    await link.first().click();
  }
  observation.projectPage = await observeProjectPage(page);
  for (const { frame, method } of config.seeks) {
    observation.seeks.push(await seekAndSample(page, frame, method));
  }
  await screenshot(page, 'project-page.png');
  observation.console = await Promise.all(pendingConsoleMessages);
}

function recordPageEvents(page, origin) {
  page.on('console', (message) => {
    pendingConsoleMessages.push(describeConsoleMessage(message));
  });
  page.on('pageerror', (error) => observation.pageErrors.push(String(error.stack || error)));
  page.on('requestfailed', (request) => {
    if (new URL(request.url()).origin !== origin) return;  // already in blockedRequests
    const reason = request.failure()?.errorText ?? 'unknown';
    observation.failedRequests.push({ url: request.url(), type: request.resourceType(), reason });
  });
  page.on('response', (response) => {
    const request = response.request();
    if (response.status() >= 400) {
      observation.httpErrors.push({ url: response.url(), status: response.status() });
    } else if (request.resourceType() === 'image') {
      observation.loadedImages.push(new URL(response.url()).pathname);
    }
  });
}

// The client passes caught errors to console.log, where the minified class name (for
// example "q" for AxiosError) is all the message text shows. So each logged Error object is
// described by its name, message and request URL.
async function describeConsoleMessage(message) {
  const errors = [];
  for (const argument of message.args()) {
    const error = await argument.evaluate((value) => (value instanceof Error
      ? `${value.name}: ${value.message} ${value.config?.url ?? ''}`.trim()
      : null)).catch(() => null);
    if (error) errors.push(error);
  }
  return { type: message.type(), text: message.text(), errors };
}

async function screenshot(page, name) {
  const file = path.join(config.artifactsDir, name);
  await page.screenshot({ path: file });
  observation.screenshots.push(file);
}

async function waitFor(page, description, predicate, argument) {
  try {
    await page.waitForFunction(predicate, argument, { timeout: WAIT_MS, polling: 100 });
    return true;
  } catch (error) {
    observation.waitTimeouts.push(description);
    return false;
  }
}

async function observeListPage(page) {
  await waitFor(page, 'project list with loaded thumbnails', () => {
    const images = [...document.querySelectorAll('img.project-thumbnail')];
    return images.length > 0 && images.every((image) => image.complete);
  });
  return page.evaluate(() => [...document.querySelectorAll('.projects-list li')].map((item) => {
    const image = item.querySelector('img.project-thumbnail');
    return {
      name: item.querySelector('h3')?.textContent ?? null,
      href: item.querySelector('a')?.getAttribute('href') ?? null,
      thumbnailSrc: image?.getAttribute('src') ?? null,
      thumbnailWidth: image?.naturalWidth ?? 0,
      thumbnailHeight: image?.naturalHeight ?? 0,
    };
  }));
}

async function observeProjectPage(page) {
  const loaded = await waitFor(page, 'project data and a decodable edit video', () => {
    const player = window.findVueComponent('VideoPlayer');
    const video = document.querySelector('video');
    return player && player.props.projectStore.videoPlayerSources.length > 0
      && video && video.readyState >= 2;
  });
  if (!loaded) await page.waitForTimeout(1000);  // give late console messages a chance
  return page.evaluate(() => {
    const player = window.findVueComponent('VideoPlayer');
    if (!player) return null;
    const store = player.props.projectStore;
    const video = document.querySelector('video');
    return {
      id: store.id, name: store.name, fps: store.fps,
      totalFrames: store.totalFrames, frameOffset: store.frameOffset,
      videoSources: store.videoPlayerSources.map((s) => ({ src: s.src, type: s.type })),
      shots: store.shots.map((s) => ({
        id: s.id, name: s.name, sequence_id: s.sequence_id, startFrame: s.startFrame,
        durationSeconds: s.durationSeconds, fps: s.fps, thumbnailUrl: s.thumbnailUrl,
      })),
      sequences: store.sequences.map((s) => ({ id: s.id, name: s.name })),
      team: store.team.map((m) => ({ id: m.id, name: m.name, profilePicture: m.profilePicture })),
      assets: store.assets.map((a) => ({ id: a.id, name: a.name, thumbnailUrl: a.thumbnailUrl })),
      video: video && {
        src: video.currentSrc, readyState: video.readyState, duration: video.duration,
        width: video.videoWidth, height: video.videoHeight, error: video.error?.message ?? null,
      },
    };
  });
}

// Shows `frame` and samples the middle of the picture. Method 'client' emits the
// setCurrentFrame event that the client's timeline emits, so the client seeks its player.
// Method 'file' seeks a separate <video> of the same source to the middle of the frame,
// bypassing the client (which snaps every seek of its own player to a frame start).
async function seekAndSample(page, frame, method) {
  const settled = await page.evaluate(async ({ frame, method }) => {
    const player = window.findVueComponent('VideoPlayer');
    const store = player?.props.projectStore;
    const video = method === 'client'
      ? document.querySelector('video')
      : await window.frameProbe(store.videoPlayerSources[0].src);
    if (!player || !video) return false;
    const seeked = new Promise((resolve) => video.addEventListener('seeked', resolve, { once: true }));
    if (method === 'client') {
      const unchanged = player.props.runtimeState.currentFrame === frame;
      player.emit('setCurrentFrame', frame);
      if (unchanged) return true;  // the client only seeks its player when the frame changes
    } else {
      video.currentTime = (frame + 0.5) / store.fps;
    }
    await seeked;
    return true;
  }, { frame, method }).catch(() => false);
  if (!settled) return { frame, method, settled: false };

  await waitFor(page, `video ready at frame ${frame}`, (method) => {
    const video = method === 'client' ? document.querySelector('video') : window.frameProbeVideo;
    return !video.seeking && video.readyState >= 2;
  }, method);
  const sample = await page.evaluate((method) => {
    const video = method === 'client' ? document.querySelector('video') : window.frameProbeVideo;
    const runtime = window.findVueComponent('VideoPlayer').props.runtimeState;
    return {
      currentTime: video.currentTime,
      rgb: window.sampleVideoCenter(video),
      clientFrame: runtime.currentFrame,
      clientShotId: runtime.currentShot?.id ?? null,
      frameNumberShown: document.querySelector('[title="Frame Number"]')?.textContent?.trim() ?? null,
    };
  }, method);
  return { frame, method, settled: true, ...sample };
}
