import type { TestApp } from './test-app.js';
import { api, establish } from './test-app.js';

/** The 2024 plan of the party delegation of the Bình Thuận federation, as written (requirements from its text). */
export const BINH_THUAN_2024 = (issuingUnitId: string) => ({
  issuingUnitId,
  year: 2024,
  theme: 'Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh về thực hành dân chủ và tăng cường pháp chế, bảo đảm kỷ cương xã hội',
  document: {
    kind: 'plan',
    title: 'Kế hoạch học tập, quán triệt chuyên đề năm 2024',
    issuedOn: '2024-03-01',
    issuedBy: 'Đảng đoàn Liên đoàn Lao động tỉnh Bình Thuận',
    signedBy: { name: 'Bí thư Đảng đoàn', position: 'T/M ĐẢNG ĐOÀN — BÍ THƯ' },
  },
  references: [
    { number: '213-KH/TU', issuedOn: '2024-02-07', issuer: 'Ban Thường vụ Tỉnh ủy', title: 'Kế hoạch học tập, quán triệt chuyên đề năm 2024' },
    { number: '113-HD/BTGTU', issuedOn: '2024-02-28', issuer: 'Ban Tuyên giáo Tỉnh ủy', title: 'Hướng dẫn học tập, quán triệt chuyên đề năm 2024' },
  ],
  recipients: [
    'Thường trực Tỉnh ủy',
    'Ban Tuyên giáo, Ban Dân vận, Văn phòng TU',
    'Thường trực LĐLĐ tỉnh',
    'VP, các ban và đơn vị trực thuộc LĐLĐ tỉnh',
    'CĐ cấp trên trực tiếp cơ sở',
    'Lưu VT, Đảng đoàn, TG-NC',
  ],
  materials: [{ title: 'Tài liệu học tập chuyên đề năm 2024' }],
  requirements: {
    study: { dueOn: '2024-03-31', levels: ['district', 'grassroots'] },
    pledge: { dueOn: '2024-04-10', minItems: 1 },
    actionPlan: { dueOn: '2024-04-10', levels: ['district', 'grassroots'], minFocalTasks: 1 },
    reports: [
      { kind: 'study_results', dueOn: '2024-05-03', levels: ['district'] },
      { kind: 'semi_annual', dueOn: '2024-05-06', levels: ['district'] },
      { kind: 'annual', dueOn: '2024-11-11', levels: ['district'] },
    ],
  },
});

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
  if (res.status !== 201) throw new Error(`issuing the campaign answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}
