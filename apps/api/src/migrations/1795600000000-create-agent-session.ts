import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Agent sessions: each one's checkpointed state (libs/agent) with a compare-and-set revision. */
export class CreateAgentSession1795600000000 implements MigrationInterface {
  name = 'CreateAgentSession1795600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "agent_session" (
        "id" character varying(64) NOT NULL,
        "revision" integer NOT NULL,
        "state" jsonb NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_agent_session_id" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_agent_session_revision" CHECK ("revision" > 0)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "agent_session"`);
  }
}
