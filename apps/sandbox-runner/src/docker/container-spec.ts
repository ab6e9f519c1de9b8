import type Docker from 'dockerode';

/** Port the runtime serves the app on inside every instance container. */
export const RUNTIME_PORT = 8788;
/** The image's non-root user (infra/build-images.sh creates uid 10001). */
export const APP_UID = 10001;
export const APP_USER = `${APP_UID}:${APP_UID}`;

export interface InstanceContainerSpec {
  name: string;
  image: string;
  network: string;
  labels: Record<string, string>;
  env: Record<string, string>;
  memoryMb: number;
  cpus: number;
  pids: number;
  diskMb: number;
  tmpMb: number;
  restartOnFailure: boolean;
  /**
   * Previews get a writable, size-limited /app volume the runner writes files into. Published
   * instances run from an image with the app inside and have no writable /app.
   */
  appVolume: boolean;
  /** Extra /etc/hosts entries, name → address (the gateway's name on the instance network). */
  hosts: Record<string, string>;
}

/**
 * Create options for an instance container. Every limit is enforced by the engine, not by the
 * runtime inside, because the code inside is untrusted.
 */
export function containerOptions(spec: InstanceContainerSpec): Docker.ContainerCreateOptions {
  const mib = 1024 * 1024;
  return {
    name: spec.name,
    Image: spec.image,
    User: APP_USER,
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: spec.labels,
    ExposedPorts: { [`${RUNTIME_PORT}/tcp`]: {} },
    HostConfig: {
      Memory: spec.memoryMb * mib,
      // Same as Memory: no swap on top, so a hog is OOM-killed instead of thrashing the host.
      MemorySwap: spec.memoryMb * mib,
      NanoCpus: Math.round(spec.cpus * 1e9),
      PidsLimit: spec.pids,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': `rw,nosuid,nodev,noexec,size=${spec.tmpMb}m,mode=1777` },
      // /app is an anonymous volume backed by a size-limited tmpfs rather than a plain tmpfs
      // mount: Docker's archive API (how the runner writes files) only sees volumes, not tmpfs
      // mounts, and refuses anything else on a read-only root. `RemoveVolumes` on delete frees it.
      Mounts: !spec.appVolume
        ? []
        : [
            {
              Type: 'volume',
              Source: '',
              Target: '/app',
              VolumeOptions: {
                // The image has nothing at /app worth copying into the fresh volume.
                NoCopy: true,
                Labels: spec.labels,
                DriverConfig: {
                  Name: 'local',
                  Options: {
                    type: 'tmpfs',
                    device: 'tmpfs',
                    // Root-owned and sticky (like /tmp): the app user creates and changes its own
                    // files, but cannot rename or remove the runner's root-owned `.kiln` folder.
                    o: `size=${spec.diskMb}m,uid=0,gid=0,mode=1777`,
                  },
                },
              },
            },
          ],
      NetworkMode: spec.network,
      ExtraHosts: Object.entries(spec.hosts).map(([name, address]) => `${name}:${address}`),
      RestartPolicy: spec.restartOnFailure ? { Name: 'on-failure', MaximumRetryCount: 5 } : { Name: 'no' },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '5m', 'max-file': '1' } },
    },
  };
}
