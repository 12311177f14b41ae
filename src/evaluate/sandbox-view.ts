// What of the host a sandboxed process sees: system directories and the toolchains its command and
// PATH resolve to, read-only; paths the user lists; nothing else (no /run, /var, /home, no home
// directory beyond toolchains). Credential locations are masked even inside a bound directory.
// Computed once per evaluator from the host's file system; see docs/security.md.
import { existsSync, lstatSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';

/** Directories every evaluator may read: the OS, its libraries and configuration. */
export const SYSTEM_DIRS: readonly string[] = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc'];

/** Files and directories under /etc that hold host secrets (password hashes, host keys, sudo rules). */
export const ETC_MASKS: readonly string[] = [
  'shadow', 'shadow-', 'gshadow', 'gshadow-', 'ssh', 'sudoers', 'sudoers.d', 'ssl/private',
  'security/opasswd', 'krb5.keytab', 'docker', 'containerd', 'kubernetes', 'rancher', 'wireguard',
  'NetworkManager/system-connections', 'pki/private',
];

/** Credential locations relative to the home directory, masked wherever a bind would expose them. */
export const HOME_CREDENTIALS: readonly string[] = [
  '.ssh', '.aws', '.gnupg', '.config/gcloud', '.kube', '.docker', '.netrc', '.git-credentials',
  '.npmrc', '.yarnrc', '.yarnrc.yml', '.pypirc', '.config/gh', '.config/hub', '.azure', '.terraform.d',
  '.terraformrc', '.vault-token', '.pgpass', '.my.cnf', '.cargo/credentials', '.cargo/credentials.toml',
  '.gem/credentials', '.m2/settings.xml', '.gradle/gradle.properties', '.local/share/keyrings',
  '.password-store', '.config/op', '.config/rclone', '.s3cfg', '.boto', '.oci', '.ibmcloud',
  '.config/doctl', '.config/heroku', '.config/netlify', '.config/vercel', '.mozilla', '.config/google-chrome',
  '.config/chromium', '.bash_history', '.zsh_history', '.python_history', '.node_repl_history',
  '.psql_history', '.mysql_history', '.lesshst', '.viminfo', '.env',
];

export interface SandboxMount {
  kind: 'ro-bind' | 'symlink';
  /** ro-bind: the host path (bound at the same path); symlink: the link target. */
  source: string;
  dest: string;
}

export interface SandboxMask {
  kind: 'dir' | 'file';
  path: string;
}

export interface SandboxView {
  mounts: SandboxMount[];
  masks: SandboxMask[];
  /** The home directory as an empty, read-only directory (tools that `cd ~` still work). */
  home: string | null;
  /** Paths the user listed that could not be bound, with why (shown once as a warning). */
  skipped: string[];
}

export interface SandboxViewInput {
  /** PATH as the evaluator will see it. */
  path: string | undefined;
  home: string | undefined;
  /** The evaluator commands (their first word may be an absolute path to a toolchain). */
  commands: readonly string[];
  /** Extra read-only paths from the config (`~/` expanded against `home`). */
  readOnlyPaths: readonly string[];
  /** With network allowed, name resolution may live under /run (systemd-resolved). */
  network: boolean;
}

export function computeSandboxView(input: SandboxViewInput): SandboxView {
  const home = input.home && isAbsolute(input.home) ? resolve(input.home) : null;
  const mounts: SandboxMount[] = [];
  const bound: string[] = [];
  const skipped: string[] = [];
  const bind = (path: string): void => {
    if (bound.some((b) => path === b || path.startsWith(b + sep))) return;
    for (let i = bound.length - 1; i >= 0; i--) if (bound[i]!.startsWith(path + sep)) bound.splice(i, 1);
    bound.push(path);
  };

  for (const dir of SYSTEM_DIRS) {
    const info = lstatOrNull(dir);
    if (info === null) continue;
    if (info.isSymbolicLink()) {
      // Merged /usr: /bin -> usr/bin. Re-create the link; its target is bound anyway.
      mounts.push({ kind: 'symlink', source: readLink(dir), dest: dir });
    } else if (info.isDirectory()) bind(dir);
  }

  const toolchains = new Set<string>();
  for (const entry of (input.path ?? '').split(':')) {
    if (!isAbsolute(entry)) continue; // relative PATH entries point into the evaluation directory
    const root = toolchainRoot(entry, home);
    if (root !== null) toolchains.add(root);
  }
  for (const command of input.commands) {
    const first = /^\s*(\/[^\s;&|<>'"`$]+)/.exec(command)?.[1];
    if (first === undefined) continue;
    const root = toolchainRoot(dirname(first), home);
    if (root !== null) toolchains.add(root);
  }
  for (const root of toolchains) bind(root);

  for (const listed of input.readOnlyPaths) {
    const expanded = listed.startsWith('~/') && home ? join(home, listed.slice(2)) : listed === '~' && home ? home : listed;
    if (!isAbsolute(expanded)) {
      skipped.push(`${listed} (not an absolute path)`);
      continue;
    }
    const real = realOrNull(expanded);
    if (real === null) {
      skipped.push(`${listed} (does not exist)`);
      continue;
    }
    if (home && insideCredential(real, home)) {
      skipped.push(`${listed} (a credential location is never exposed)`);
      continue;
    }
    bind(real);
  }

  if (input.network) {
    const resolver = realOrNull('/etc/resolv.conf');
    if (resolver !== null && !resolver.startsWith('/etc/')) bind(resolver);
  }

  for (const path of bound) mounts.push({ kind: 'ro-bind', source: path, dest: path });

  const masks: SandboxMask[] = [];
  const addMask = (path: string): void => {
    if (!bound.some((b) => path === b || path.startsWith(b + sep))) return;
    const info = lstatOrNull(path);
    if (info === null) return;
    masks.push({ kind: info.isDirectory() ? 'dir' : 'file', path });
  };
  for (const name of ETC_MASKS) addMask(join('/etc', name));
  if (home) for (const name of HOME_CREDENTIALS) addMask(join(home, name));

  const homeVisible = home !== null && !bound.some((b) => home === b || home.startsWith(b + sep));
  return { mounts, masks, home: homeVisible ? home : null, skipped };
}

/**
 * The directory to expose for a PATH entry: system directories need nothing; `…/bin`, `…/sbin` and
 * `…/shims` expose their parent (a pyenv, nvm, conda or cargo install); under the home directory
 * the top-level entry holding it (`~/.pyenv` for `~/.pyenv/shims`). Null when nothing is needed.
 */
export function toolchainRoot(entry: string, home: string | null): string | null {
  const real = realOrNull(entry);
  if (real === null) return null;
  if (SYSTEM_DIRS.some((dir) => real === dir || real.startsWith(dir + sep))) return null;
  if (home !== null && (real === home || real.startsWith(home + sep))) {
    if (real === home) return null; // PATH containing ~ itself would expose everything
    const top = join(home, real.slice(home.length + 1).split(sep)[0]!);
    if (insideCredential(top, home)) return null;
    // ~/bin or ~/go/bin: just that; ~/.pyenv/shims: the whole install.
    return /\/(bin|sbin|shims)$/.test(real) && dirname(real) === home ? real : top;
  }
  const root = /\/(bin|sbin|shims)$/.test(real) ? dirname(real) : real;
  return root === '/' ? null : root;
}

function insideCredential(path: string, home: string): boolean {
  return HOME_CREDENTIALS.some((name) => {
    const credential = join(home, name);
    return path === credential || path.startsWith(credential + sep);
  });
}

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

function realOrNull(path: string): string | null {
  try {
    return existsSync(path) ? realpathSync(path) : null;
  } catch {
    return null;
  }
}

function readLink(path: string): string {
  const real = realpathSync(path);
  return real.startsWith('/') ? real.slice(1) : real; // relative, as the host has it (usr/bin)
}
