import { EventStore1732500000000 } from './1732500000000-event-store.js';
import { Projections1732500000100 } from './1732500000100-projections.js';
import { OrgReadModels1732500000200 } from './1732500000200-org-read-models.js';
import { Access1732500000300 } from './1732500000300-access.js';
import { OrgUnitClosure1732500000400 } from './1732500000400-org-unit-closure.js';
import { CommandLocks1732500000500 } from './1732500000500-command-locks.js';
import { GuardedAppend1732500000600 } from './1732500000600-guarded-append.js';
import { LogEpoch1732500000700 } from './1732500000700-log-epoch.js';
import { ProjectionRebuilds1732500000800 } from './1732500000800-projection-rebuilds.js';
import { ServiceSecrets1732500000900 } from './1732500000900-service-secrets.js';
import { Compliance1732500001000 } from './1732500001000-compliance.js';
import { CommendationsView1732500001100 } from './1732500001100-commendations-view.js';
import { PeriodSnapshots1732500001200 } from './1732500001200-period-snapshots.js';
import { RecordedPerTransaction1732500001300 } from './1732500001300-recorded-per-transaction.js';
import { OrgHistory1732500001400 } from './1732500001400-org-history.js';
import { ComplianceRollups1732500001500 } from './1732500001500-compliance-rollups.js';
import { RecordedWhenWritten1732500001600 } from './1732500001600-recorded-when-written.js';

export const MIGRATIONS = [
  EventStore1732500000000,
  Projections1732500000100,
  OrgReadModels1732500000200,
  Access1732500000300,
  OrgUnitClosure1732500000400,
  CommandLocks1732500000500,
  GuardedAppend1732500000600,
  LogEpoch1732500000700,
  ProjectionRebuilds1732500000800,
  ServiceSecrets1732500000900,
  Compliance1732500001000,
  CommendationsView1732500001100,
  PeriodSnapshots1732500001200,
  RecordedPerTransaction1732500001300,
  OrgHistory1732500001400,
  ComplianceRollups1732500001500,
  RecordedWhenWritten1732500001600,
];
