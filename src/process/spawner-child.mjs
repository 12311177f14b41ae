// The spawner helper: a small plain-JS Node process (no tsx, no store) forked once by the engine,
// which starts children on the engine's behalf — forking from ~40 MB instead of ~350 MB — and
// relays their pipes over the IPC channel. Protocol in src/process/spawner.ts. When the channel
// closes (the engine exited or was SIGKILLed) it kills the process groups it was asked to and exits.
import { spawn } from 'node:child_process';

if (typeof process.send !== 'function') {
  process.stderr.write('spawner-child.mjs must be started with child_process.fork\n');
  process.exit(2);
}

// Ctrl-C reaches the whole foreground process group; the engine handles it and stops gracefully,
// which needs this helper alive until the last job's child has ended.
process.on('SIGINT', () => {});

/** Output bytes handed to the channel but not yet written; above HIGH the children's pipes pause. */
const HIGH_WATER_BYTES = 4 * 1024 * 1024;
const LOW_WATER_BYTES = 1024 * 1024;
let unsentBytes = 0;
let paused = false;

/** id → { child, detached, killOnParentExit, outputs: Map<fd, Readable> } */
const children = new Map();

function send(message, bytes = 0) {
  if (!process.connected) return;
  unsentBytes += bytes;
  process.send(message, undefined, undefined, () => {
    unsentBytes -= bytes;
    if (paused && unsentBytes < LOW_WATER_BYTES) setPaused(false);
  });
  if (!paused && unsentBytes > HIGH_WATER_BYTES) setPaused(true);
}

function setPaused(value) {
  paused = value;
  for (const entry of children.values()) {
    for (const stream of entry.outputs.values()) {
      if (value) stream.pause();
      else stream.resume();
    }
  }
}

function errorData(error) {
  return { message: error.message, code: error.code, errno: error.errno, syscall: error.syscall, path: error.path };
}

function start(request) {
  const { id, file, args, cwd, env, detached, stdin, input, fd3, killOnParentExit } = request;
  const stdio = [stdin === 'ignore' ? 'ignore' : 'pipe', 'pipe', 'pipe', ...(fd3 ? ['pipe'] : [])];
  let child;
  try {
    child = spawn(file, args, { cwd, env, detached, stdio, windowsHide: true });
  } catch (error) {
    send({ t: 'spawn-error', id, error: errorData(error) });
    return;
  }
  if (child.pid === undefined) {
    child.once('error', (error) => send({ t: 'spawn-error', id, error: errorData(error) }));
    for (const pipe of child.stdio) pipe?.destroy();
    return;
  }
  const entry = { child, detached, killOnParentExit, outputs: new Map() };
  children.set(id, entry);
  send({ t: 'spawned', id, pid: child.pid });
  child.on('error', () => {}); // after a start, only a failed kill() — the engine signals groups itself

  for (let fd = 1; fd < stdio.length; fd++) {
    const stream = child.stdio[fd];
    entry.outputs.set(fd, stream);
    if (paused) stream.pause();
    stream.on('data', (chunk) => send({ t: 'data', id, fd, data: chunk }, chunk.length));
    stream.on('end', () => send({ t: 'end', id, fd }));
    stream.on('error', () => {});
  }
  if (child.stdin) {
    child.stdin.on('error', () => {}); // EPIPE: the child exited without reading; its exit tells the story
    if (input !== undefined) child.stdin.end(input);
  }
  child.on('exit', (code, signal) => send({ t: 'exit', id, code, signal }));
  child.on('close', () => children.delete(id));
}

process.on('message', (message) => {
  const entry = children.get(message.id);
  switch (message.t) {
    case 'spawn':
      start(message);
      break;
    case 'in':
      entry?.child.stdin?.write(message.data);
      break;
    case 'in-end':
      entry?.child.stdin?.end();
      break;
    case 'drop':
      // The engine gave up on this stream (e.g. a grandchild holds it open): let the child close.
      entry?.outputs.get(message.fd)?.destroy();
      break;
  }
});

process.on('disconnect', () => {
  for (const { child, detached, killOnParentExit } of children.values()) {
    if (!killOnParentExit) continue;
    try {
      process.kill(detached ? -child.pid : child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  process.exit(0);
});

send({ t: 'ready', pid: process.pid });
