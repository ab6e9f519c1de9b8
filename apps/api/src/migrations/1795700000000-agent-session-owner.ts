import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What an API process needs to take over a session another one started: the app and user its
 * preview belongs to, and its mode. Null for sessions saved before this migration.
 */
export class AgentSessionOwner1795700000000 implements MigrationInterface {
  name = 'AgentSessionOwner1795700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "agent_session"
        ADD COLUMN "app_id" character varying(63),
        ADD COLUMN "user_id" character varying(128),
        ADD COLUMN "mode" character varying(16) NOT NULL DEFAULT 'phasic'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "agent_session" DROP COLUMN "mode", DROP COLUMN "user_id", DROP COLUMN "app_id"`,
    );
  }
}
