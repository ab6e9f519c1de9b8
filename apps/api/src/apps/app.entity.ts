import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** An app a builder creates: the tenant that owns its storage, previews and deployments. */
@Entity({ name: 'app' })
export class AppEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** URL-safe, unique name used in preview and published host names. */
  @Column({ type: 'varchar', length: 63, unique: true })
  slug: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
