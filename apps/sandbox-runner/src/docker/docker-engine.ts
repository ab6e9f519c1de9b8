import Docker from 'dockerode';

/** The adapter for the Docker engine; everything the runner asks of Docker goes through here. */
export class DockerEngine {
  private readonly docker: Docker;

  constructor(socketPath: string) {
    this.docker = new Docker({ socketPath });
  }

  /** Engine version when it answers; throws with the engine's or the socket's error otherwise. */
  async version(): Promise<string> {
    const info = await this.docker.version();
    return info.Version;
  }
}
