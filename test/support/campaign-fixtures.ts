import { randomUUID } from 'node:crypto';
import { expect } from '@jest/globals';
import { BINH_THUAN_2024 as SEED_2024 } from '../../src/cli/demo-scenario.js';
import type { TestApp } from './test-app.js';
import { api, establish } from './test-app.js';

/** The 2024 plan of the party delegation of the Bình Thuận federation, as the demo loads it (its seed, as written), without an id. */
export const BINH_THUAN_2024 = (issuingUnitId: string) => {
  const { campaignId: _id, ...plan } = SEED_2024(randomUUID(), issuingUnitId);
  return plan;
};

/** A province with one district and two grassroots units, established in 2000. */
export async function smallProvince(app: TestApp): Promise<{ province: string; district: string; schoolA: string; schoolB: string }> {
  const province = (await establish(app, { name: 'LĐLĐ tỉnh', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
  const district = (await establish(app, { name: 'LĐLĐ huyện', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
  const schoolA = (await establish(app, { name: 'CĐCS A', kind: 'grassroots_union', parentId: district, establishedOn: '2000-01-01' })).id;
  const schoolB = (await establish(app, { name: 'CĐCS B', kind: 'grassroots_union', parentId: district, establishedOn: '2000-01-01' })).id;
  return { province, district, schoolA, schoolB };
}

/** Issues the 2024 Bình Thuận plan for `province`; answers the campaign's id. */
export async function issueCampaign(app: TestApp, province: string, token: string = app.adminToken): Promise<string> {
  const res = await api(app, token).post('/campaigns').send(BINH_THUAN_2024(province));
  expect({ status: res.status, body: res.body }).toMatchObject({ status: 201, body: { id: expect.any(String) } });
  return res.body.id as string;
}
