// The identity of the user's repository, for telling its runs apart from other repositories' runs
// in a shared store: HEAD's root commits plus the normalised `origin` URL (ADR 0017). Only the
// user's own repository metadata is read, never anything a candidate wrote.
import { isAbsolute, resolve } from 'node:path';
import type { RepositoryIdentity } from '../core/types.ts';
import { runGit } from './exec.ts';

export async function repositoryIdentity(repoDir: string, signal?: AbortSignal): Promise<RepositoryIdentity> {
  const roots = await runGit(['rev-list', '--max-parents=0', 'HEAD', '--'], { cwd: repoDir, signal });
  // Exit 1: no such key (no origin remote).
  const origin = await runGit(['config', '--get', 'remote.origin.url'], { cwd: repoDir, signal, allowExitCodes: [1] });
  return {
    roots: roots.stdout.split('\n').map((line) => line.trim()).filter((line) => line !== '').sort(),
    origin: origin.exitCode === 0 ? normaliseRemoteUrl(origin.stdout.trim(), repoDir) : null,
  };
}

/**
 * One spelling per remote, so clones over https and ssh agree: `host/path` with no scheme, user,
 * password, port or `.git` suffix; the host in lower case. A local path becomes `file:<absolute>`.
 * Credentials never reach the store.
 */
export function normaliseRemoteUrl(url: string, repoDir: string): string | null {
  if (url === '') return null;
  const withScheme = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(url);
  if (withScheme) {
    const scheme = withScheme[1]!.toLowerCase();
    if (scheme === 'file') return `file:${trimRepoPath(decodeSafely(withScheme[2]!.replace(/^[^/]*/, '')))}`;
    const rest = withScheme[2]!;
    const slash = rest.indexOf('/');
    const authority = slash === -1 ? rest : rest.slice(0, slash);
    const path = slash === -1 ? '' : rest.slice(slash);
    return joinHostPath(hostOf(authority), path);
  }
  // scp-like syntax: [user@]host:path (a colon before any slash).
  const scp = /^(?:[^@/]+@)?([^:/]+):(.*)$/.exec(url);
  if (scp && !isAbsolute(url)) return joinHostPath(scp[1]!.toLowerCase(), scp[2]!);
  return `file:${trimRepoPath(isAbsolute(url) ? url : resolve(repoDir, url))}`;
}

function hostOf(authority: string): string {
  const withoutUser = authority.slice(authority.lastIndexOf('@') + 1);
  const bracketed = /^\[([^\]]+)\]/.exec(withoutUser);
  if (bracketed) return bracketed[1]!.toLowerCase();
  return withoutUser.replace(/:\d*$/, '').toLowerCase();
}

function joinHostPath(host: string, path: string): string {
  // A leading `~user/` or `/` is part of how ssh spells the path, not of the repository's name.
  const trimmed = trimRepoPath(path).replace(/^\/+/, '');
  return trimmed === '' ? host : `${host}/${trimmed}`;
}

function trimRepoPath(path: string): string {
  return path.replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/+$/, '');
}

function decodeSafely(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
