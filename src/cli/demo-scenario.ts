import { deterministicUuid } from '../infrastructure/commands/deterministic-id.js';
import { addDays } from '../shared/values.js';

/** What the scenario sends: a command through the public API, under an Idempotency-Key. */
export interface DemoApi {
  post(path: string, body: unknown, idempotencyKey: string): Promise<void>;
}

/** How the load goes, for the progress line. */
export interface DemoProgress {
  step(name: string, total: number): void;
  done(count?: number): void;
}

/** The members of each grassroots unit, and how many requests run at once. */
export interface DemoOptions {
  readonly membersPerUnit: number;
  readonly concurrency: number;
}

/** The same name gives the same id on every run: a second run addresses what the first created. */
const idOf = (...name: string[]): string => deterministicUuid('demo', ...name);

type Kind = 'confederation' | 'provincial_federation' | 'district_federation' | 'local_sector_union' | 'industrial_zone_union' | 'grassroots_union';

interface Unit {
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly kind: Kind;
  readonly parentId: string | null;
}

interface District extends Unit {
  readonly grassroots: readonly Unit[];
}

interface Province extends Unit {
  readonly districts: readonly District[];
}

const unit = (code: string, name: string, kind: Kind, parentId: string | null): Unit => ({ id: idOf('unit', code), code, name, kind, parentId });

function province(code: string, name: string, parentId: string, districts: readonly [string, string, Kind][], grassrootsPerDistrict: number): Province {
  const p = unit(code, name, 'provincial_federation', parentId);
  return {
    ...p,
    districts: districts.map(([dCode, dName, kind]) => {
      const d = unit(`${code}-${dCode}`, dName, kind, p.id);
      const grassroots = Array.from({ length: grassrootsPerDistrict }, (_, i) =>
        unit(`${d.code}-${String(i + 1).padStart(2, '0')}`, `CĐCS ${GRASSROOTS_NAMES[i % GRASSROOTS_NAMES.length]} ${dName.replace(/^(LĐLĐ|Công đoàn) /, '')}`, 'grassroots_union', d.id),
      );
      return { ...d, grassroots };
    }),
  };
}

const GRASSROOTS_NAMES = ['Trường Tiểu học', 'Trường THCS', 'Trường THPT', 'Bệnh viện', 'Công ty Cổ phần', 'UBND xã', 'Công ty TNHH', 'Trung tâm Y tế'];
const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương'];
const MIDDLE = ['Văn', 'Thị', 'Hữu', 'Minh', 'Thanh', 'Ngọc', 'Đức', 'Thu'];
const GIVEN = ['An', 'Bình', 'Chi', 'Dũng', 'Giang', 'Hà', 'Hải', 'Hoa', 'Hùng', 'Lan', 'Linh', 'Long', 'Mai', 'Nam', 'Nga', 'Phúc', 'Quân', 'Sơn', 'Tâm', 'Thảo', 'Trang', 'Tuấn', 'Vy', 'Yến'];
const fullName = (n: number): string => `${FAMILY[n % FAMILY.length]} ${MIDDLE[(n >> 2) % MIDDLE.length]} ${GIVEN[(n * 7) % GIVEN.length]}`;

const PLEDGE_ITEMS = [
  'Gương mẫu chấp hành chủ trương của Đảng, pháp luật của Nhà nước',
  'Thực hiện tốt quy chế dân chủ ở cơ sở',
  'Hoàn thành xuất sắc nhiệm vụ chuyên môn được giao',
  'Tiết kiệm, chống lãng phí trong công việc',
  'Tích cực tham gia phong trào thi đua của công đoàn',
];

/** A day of a month, written YYYY-MM-DD. */
const day = (year: number, month: number, d: number): string => `${year}-${String(month).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

/** Runs `work` over `items`, `concurrency` at a time, in order of start. */
async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/**
 * The demo: a confederation with three provinces (Bắc Kạn, Bình Thuận, Lâm Đồng), their
 * district-level units of several kinds and grassroots units, a few thousand members; the
 * Bắc Kạn 2020 guidance and the Bình Thuận 2024 plan as written, with a year of facts each
 * (sessions, pledges some late and some short, action plans with focal tasks, reports one
 * late, one amended, one returned, commendations in every state, grades, inspections); then
 * the 2025 reorganisation: a district federation of Bình Thuận terminated, its grassroots
 * units transferred up first, and Bình Thuận merged into Lâm Đồng. Every request carries an
 * Idempotency-Key and every created thing an id derived from its name: run again, it
 * creates nothing twice.
 */
/** What the demo loaded, by name: to look at it afterwards. */
export interface DemoSummary {
  readonly campaigns: Readonly<Record<string, string>>;
  readonly units: Readonly<Record<string, string>>;
}

export async function runDemo(api: DemoApi, progress: DemoProgress, options: DemoOptions): Promise<DemoSummary> {
  const send = (path: string, body: unknown, key: string): Promise<void> => api.post(path, body, `demo:${ascii(key)}`);
  const each = async <T>(name: string, items: readonly T[], work: (item: T, index: number) => Promise<void>): Promise<void> => {
    progress.step(name, items.length);
    await inParallel(items, options.concurrency, async (item, index) => {
      await work(item, index);
      progress.done();
    });
  };

  // ---- the hierarchy ---------------------------------------------------------------
  const nation = unit('TLĐ', 'Tổng Liên đoàn Lao động Việt Nam', 'confederation', null);
  const bacKan = province('BK', 'Liên đoàn Lao động tỉnh Bắc Kạn', nation.id, [
    ['TP', 'LĐLĐ thành phố Bắc Kạn', 'district_federation'],
    ['BB', 'LĐLĐ huyện Ba Bể', 'district_federation'],
    ['GD', 'Công đoàn ngành Giáo dục tỉnh Bắc Kạn', 'local_sector_union'],
  ], 4);
  const binhThuan = province('BT', 'Liên đoàn Lao động tỉnh Bình Thuận', nation.id, [
    ['PT', 'LĐLĐ thành phố Phan Thiết', 'district_federation'],
    ['HTB', 'LĐLĐ huyện Hàm Thuận Bắc', 'district_federation'],
    ['YT', 'Công đoàn ngành Y tế tỉnh Bình Thuận', 'local_sector_union'],
    ['KCN', 'Công đoàn các Khu công nghiệp tỉnh Bình Thuận', 'industrial_zone_union'],
  ], 6);
  const lamDong = province('LD', 'Liên đoàn Lao động tỉnh Lâm Đồng', nation.id, [['DL', 'LĐLĐ thành phố Đà Lạt', 'district_federation']], 2);
  const provinces = [bacKan, binhThuan, lamDong];
  // A level at a time: a unit's parent exists before it.
  const levels: Unit[][] = [[nation], provinces, provinces.flatMap((p) => p.districts), provinces.flatMap((p) => p.districts.flatMap((d) => d.grassroots))];
  for (const level of levels) {
    await each(`org units (${level[0]!.kind})`, level, (u) =>
      send('/org-units', { unitId: u.id, code: u.code, name: u.name, kind: u.kind, ...(u.parentId ? { parentId: u.parentId } : {}), establishedOn: '2000-01-01' }, `unit:${u.code}`),
    );
  }

  // ---- members, imported a unit at a time ------------------------------------------------
  const grassroots = provinces.flatMap((p) => p.districts.flatMap((d) => d.grassroots));
  const membersOf = new Map(grassroots.map((g) => [g.id, Array.from({ length: options.membersPerUnit }, (_, i) => ({ id: idOf('member', g.code, String(i)), n: i }))]));
  await each('member imports', grassroots, (g) =>
    send(
      '/members/import',
      {
        members: membersOf.get(g.id)!.map((m, i) => ({
          memberId: m.id,
          unitId: g.id,
          fullName: fullName(i + g.code.length * 31),
          memberCode: `${g.code}-${String(i + 1).padStart(4, '0')}`,
          joinedOn: day(2005 + (i % 15), 1 + (i % 12), 1 + (i % 28)),
        })),
      },
      `members:${g.code}`,
    ),
  );

  // ---- the two campaigns, as their documents write them ---------------------------------------------
  const bk2020 = idOf('campaign', 'BK-2020');
  const bt2024 = idOf('campaign', 'BT-2024');
  progress.step('campaign plans', 2);
  await send('/campaigns', BAC_KAN_2020(bk2020, bacKan.id), 'campaign:BK-2020');
  progress.done();
  await send('/campaigns', BINH_THUAN_2024(bt2024, binhThuan.id), 'campaign:BT-2024');
  progress.done();

  for (const [campaignId, p, year] of [
    [bk2020, bacKan, 2020],
    [bt2024, binhThuan, 2024],
  ] as const) {
    await campaignYear(campaignId, p, year);
  }

  // ---- the 2025 reorganisation ---------------------------------------------------------------
  const closing = binhThuan.districts[1]!;
  progress.step('2025 reorganisation', closing.grassroots.length + 2);
  for (const g of closing.grassroots) {
    await send(`/org-units/${g.id}/transfer`, { newParentId: binhThuan.id, effectiveOn: '2025-06-30' }, `reorg:transfer:${g.code}`);
    progress.done();
  }
  await send(`/org-units/${closing.id}/terminate`, { effectiveOn: '2025-06-30', reason: 'Kết thúc hoạt động công đoàn cấp huyện theo Kết luận của Bộ Chính trị' }, `reorg:terminate:${closing.code}`);
  progress.done();
  await send(`/org-units/${binhThuan.id}/merge`, { intoUnitId: lamDong.id, effectiveOn: '2025-07-01' }, 'reorg:merge:BT-LD');
  progress.done();
  return {
    campaigns: { 'Bắc Kạn 2020': bk2020, 'Bình Thuận 2024': bt2024 },
    units: Object.fromEntries([nation, ...provinces, ...provinces.flatMap((p) => p.districts)].map((u) => [u.name, u.id])),
  };

  /** One campaign year of `p`: what its units and members record, the good, the late and the missing. */
  async function campaignYear(campaignId: string, p: Province, year: number): Promise<void> {
    const tag = `${p.code}-${year}`;
    const units = p.districts.flatMap((d) => d.grassroots);

    await each(`${tag} implementation plans`, p.districts.slice(0, -1), (d, i) =>
      send(
        `/campaigns/${campaignId}/implementation-plans`,
        { unitId: d.id, document: { number: `${String(i + 3).padStart(2, '0')}/KH-${d.code}`, issuedOn: day(year, 3, 5 + i * 4), signedBy: { name: fullName(i + 100), position: 'CHỦ TỊCH' } } },
        `${tag}:implementation-plan:${d.code}`,
      ),
    );

    // A session in March for most units, in April for a few (late), none for the last.
    const held = units.slice(0, -1);
    await each(`${tag} study sessions`, held, (g, i) => {
      const members = membersOf.get(g.id)!;
      const late = i % 7 === 3;
      return send(
        `/campaigns/${campaignId}/study-sessions`,
        {
          sessionId: idOf('session', tag, g.code),
          unitId: g.id,
          heldOn: late ? day(year, 4, 12) : day(year, 3, 10 + (i % 18)),
          format: (['in_person', 'online', 'hybrid'] as const)[i % 3],
          title: `Hội nghị học tập, quán triệt chuyên đề năm ${year}`,
          presenter: 'Báo cáo viên Ban Tuyên giáo',
          attendeeMemberIds: members.filter((m) => m.n % 10 !== 9).map((m) => m.id),
        },
        `${tag}:session:${g.code}`,
      );
    });
    const corrected = held[0]!;
    const missing = membersOf.get(corrected.id)!.find((m) => m.n % 10 === 9);
    if (missing) {
      await send(
        `/study-sessions/${idOf('session', tag, corrected.code)}/attendance-corrections`,
        { add: [missing.id], remove: [], reason: 'Bổ sung người tham dự có tên trong sổ điểm danh' },
        `${tag}:session:${corrected.code}:correct`,
      );
    }
    // A session recorded twice by mistake, then voided.
    const twice = held[1]!;
    await send(
      `/campaigns/${campaignId}/study-sessions`,
      { sessionId: idOf('session', tag, twice.code, 'duplicate'), unitId: twice.id, heldOn: day(year, 3, 20), format: 'online', title: 'Học tập chuyên đề (nhập trùng)', attendeeMemberIds: [] },
      `${tag}:session:${twice.code}:duplicate`,
    );
    await send(`/study-sessions/${idOf('session', tag, twice.code, 'duplicate')}/void`, { reason: 'Nhập trùng buổi học tập' }, `${tag}:session:${twice.code}:void`);

    // Pledges: most on time, some late, some short (fewer items than asked), a few members none.
    const minItems = year === 2020 ? 3 : 1;
    // 2020 set no date for the pledges (due by the campaign's end): the demo files them in spring all the same.
    const due = year === 2020 ? day(year, 5, 31) : day(year, 4, 10);
    const pledges = units.flatMap((g) => membersOf.get(g.id)!.filter((m) => m.n % 12 !== 11).map((m) => ({ g, m })));
    await each(`${tag} pledges`, pledges, ({ g, m }) => {
      const late = m.n % 9 === 4;
      const short = year === 2020 && m.n % 8 === 5;
      const count = short ? minItems - 1 : minItems + (m.n % 2);
      return send(
        `/campaigns/${campaignId}/pledges`,
        {
          pledgeId: idOf('pledge', tag, m.id),
          memberId: m.id,
          items: PLEDGE_ITEMS.slice(0, Math.max(1, count)),
          submittedOn: late ? addDays(due, 5 + (m.n % 10)) : addDays(due, -(1 + (m.n % 20))),
          submittedTo: `Chi bộ ${g.name.replace(/^CĐCS /, '')}`,
        },
        `${tag}:pledge:${m.id}`,
      );
    });

    // Action plans: every grassroots unit but one, with a focal task except in a few; some tasks done.
    await each(`${tag} action plans`, units.slice(1), (g, i) => {
      const tasks = [
        { taskId: idOf('task', tag, g.code, '1'), title: 'Thực hiện tốt quy chế dân chủ ở cơ sở', responsible: 'Ban Chấp hành công đoàn', dueOn: day(year, 12, 15), focal: i % 5 !== 2 },
        { taskId: idOf('task', tag, g.code, '2'), title: 'Tuyên truyền, phổ biến pháp luật cho đoàn viên', responsible: 'Các tổ công đoàn', dueOn: day(year, 9, 30), focal: false },
      ];
      return send(`/campaigns/${campaignId}/action-plans`, { unitId: g.id, adoptedOn: addDays(due, -(i % 6)), tasks }, `${tag}:action-plan:${g.code}`);
    });
    await each(`${tag} tasks completed`, units.slice(1).filter((_, i) => i % 2 === 0), (g) =>
      send(
        `/campaigns/${campaignId}/action-plans/${g.id}/tasks/${idOf('task', tag, g.code, '2')}/complete`,
        { completedOn: day(year, 9, 20), evidence: 'Biên bản hội nghị tuyên truyền pháp luật' },
        `${tag}:task-done:${g.code}`,
      ),
    );

    // Reports of the district-level units (2024: 2020 reported within the periodic activity
    // reports): one late, one amended, one returned and submitted again.
    if (year === 2024) await reports();

    // Commendations in every state.
    const states = ['proposed', 'endorsed', 'returned', 'granted', 'rejected', 'escalated'] as const;
    await each(`${tag} commendations`, states, async (state, i) => {
      const g = units[i % units.length]!;
      const member = membersOf.get(g.id)![i]!;
      const id = idOf('commendation', tag, state);
      const key = `${tag}:commendation:${state}`;
      await send(
        `/campaigns/${campaignId}/commendations`,
        {
          commendationId: id,
          proposingUnitId: g.id,
          nominee: { type: 'member', id: member.id, name: fullName(member.n + g.code.length * 31) },
          category: (['good_deed', 'advanced_model', 'effective_practice'] as const)[i % 3],
          awardForm: (['public_praise', 'certificate_of_merit', 'diploma_of_merit'] as const)[i % 3],
          achievements: 'Điển hình tiên tiến trong học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh',
          dossier: [{ title: 'Tờ trình đề nghị khen thưởng', ref: `${i + 1}/TTr-CĐCS` }, { title: 'Báo cáo thành tích' }, { title: 'Biên bản họp xét' }],
          proposedOn: day(year, 10, 1),
        },
        key,
      );
      if (state === 'proposed') return;
      await send(`/commendations/${id}/review`, { outcome: state === 'returned' ? 'returned' : 'endorsed', reviewedOn: day(year, 10, 10) }, `${key}:review`);
      if (state === 'endorsed' || state === 'returned') return;
      await send(`/commendations/${id}/decide`, { outcome: state, ...(state === 'granted' ? { decisionNumber: `1${i}5/QĐ-LĐLĐ` } : {}), decidedOn: day(year, 11, 5) }, `${key}:decide`);
    });

    async function reports(): Promise<void> {
      const studyDue = day(year, 5, 3);
      await each(`${tag} reports`, p.districts, (d, i) => {
        const submittedOn = i === p.districts.length - 1 ? addDays(studyDue, 7) : addDays(studyDue, -(2 + i));
        const sessions = d.grassroots.length;
        return send(
          `/campaigns/${campaignId}/reports`,
          {
            reportId: idOf('report', tag, d.code, 'study_results'),
            unitId: d.id,
            kind: 'study_results',
            submittedOn,
            figures: { unitsOrganisedStudy: sessions, sessions, membersStudied: sessions * options.membersPerUnit - sessions, pledgesFiled: sessions * (options.membersPerUnit - 2) },
            narrative: `Báo cáo kết quả học tập chuyên đề năm ${year} của ${d.name}`,
          },
          `${tag}:report:${d.code}`,
        );
      });
      const amended = p.districts[0]!;
      await send(
        `/reports/${idOf('report', tag, amended.code, 'study_results')}/amend`,
        { narrative: `Báo cáo kết quả học tập chuyên đề năm ${year} của ${amended.name} (bổ sung số liệu khối doanh nghiệp)`, reason: 'Bổ sung số liệu', amendedOn: addDays(studyDue, 1) },
        `${tag}:report:${amended.code}:amend`,
      );
      const returned = p.districts[1]!;
      const returnedId = idOf('report', tag, returned.code, 'study_results');
      await send(`/reports/${returnedId}/return`, { reason: 'Thiếu số liệu đoàn viên đăng ký làm theo', on: addDays(studyDue, 1) }, `${tag}:report:${returned.code}:return`);
      await send(
        `/reports/${returnedId}/amend`,
        { figures: { unitsOrganisedStudy: returned.grassroots.length, membersStudied: returned.grassroots.length * options.membersPerUnit - 3, pledgesFiled: returned.grassroots.length * (options.membersPerUnit - 1) }, reason: 'Bổ sung theo yêu cầu', amendedOn: addDays(studyDue, 3) },
        `${tag}:report:${returned.code}:resubmit`,
      );
      await send(`/reports/${idOf('report', tag, amended.code, 'study_results')}/acknowledge`, { on: addDays(studyDue, 4) }, `${tag}:report:${amended.code}:ack`);
    }

    await each(`${tag} classifications`, p.districts, (d, i) =>
      send(
        `/campaigns/${campaignId}/classifications`,
        { unitId: d.id, grade: (['excellent', 'good', 'completed', 'not_completed'] as const)[i % 4], decidedOn: day(year, 12, 10), basis: `Kết quả thực hiện chuyên đề năm ${year}` },
        `${tag}:grade:${d.code}`,
      ),
    );
    await send(
      `/campaigns/${campaignId}/classifications`,
      { unitId: p.districts[0]!.id, grade: 'good', decidedOn: day(year, 12, 20), basis: `Kết quả thực hiện chuyên đề năm ${year}`, reason: 'Phúc tra: chưa hoàn thành chỉ tiêu kết nạp đoàn viên' },
      `${tag}:grade:${p.districts[0]!.code}:review`,
    );
    await each(`${tag} inspections`, p.districts.slice(0, 2), (d, i) =>
      send(
        `/campaigns/${campaignId}/inspections`,
        {
          inspectionId: idOf('inspection', tag, d.code),
          unitId: d.id,
          conductedOn: day(year, 9, 15 + i),
          findings: [
            { code: 'KT-01', severity: 'minor', text: 'Một số CĐCS chưa niêm yết bản cam kết của đoàn viên' },
            ...(i === 1 ? [{ code: 'KT-02', severity: 'major' as const, text: 'Chưa xây dựng kế hoạch làm theo của tập thể' }] : []),
          ],
        },
        `${tag}:inspection:${d.code}`,
      ),
    );
  }
}

/** An Idempotency-Key is visible ASCII: the codes' Vietnamese letters lose their marks. */
const ascii = (key: string): string => key.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replaceAll('đ', 'd').replaceAll('Đ', 'D');

/** The Bắc Kạn 2020 guidance: its copy leaves the number and the day blank. */
export const BAC_KAN_2020 = (campaignId: string, issuingUnitId: string) => ({
  campaignId,
  issuingUnitId,
  year: 2020,
  theme: 'Tăng cường khối đại đoàn kết toàn dân tộc, xây dựng Đảng và hệ thống chính trị trong sạch, vững mạnh theo tư tưởng, đạo đức, phong cách Hồ Chí Minh',
  document: {
    kind: 'guidance',
    title: 'Hướng dẫn học tập chuyên đề năm 2020 trong các cấp công đoàn',
    issuedOn: '2020-02-01',
    dateAsWritten: 'Bắc Kạn, ngày        tháng 2 năm 2020',
    issuedBy: 'Liên đoàn Lao động tỉnh Bắc Kạn',
    signedBy: { name: 'Bùi Minh Thanh', position: 'TM. BAN THƯỜNG VỤ — PHÓ CHỦ TỊCH' },
  },
  references: [
    { number: '173-KH/TU', issuedOn: '2020-01-22', issuer: 'Tỉnh ủy Bắc Kạn', title: 'Kế hoạch thực hiện Chỉ thị số 05-CT/TW năm 2020' },
    { number: '37/HD-BTG', issuedOn: '2020-01-21', issuer: 'Ban Tuyên giáo Tổng Liên đoàn Lao động Việt Nam', title: 'Hướng dẫn học tập chuyên đề năm 2020 trong các cấp công đoàn' },
    { number: '05-CT/TW', issuer: 'Bộ Chính trị', title: 'Chỉ thị về đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh' },
    { number: '03-KH/TW', issuedOn: '2016-07-25', issuer: 'Ban Bí thư', title: 'Kế hoạch thực hiện Chỉ thị số 05-CT/TW' },
    { number: '39-KH/TU', issuedOn: '2016-10-10', issuer: 'Ban Thường vụ Tỉnh ủy Bắc Kạn', title: 'Kế hoạch thực hiện Chỉ thị số 05-CT/TW' },
  ],
  recipients: [
    'Ban Tuyên giáo TLĐ (b/c)',
    'Ban Tuyên giáo Tỉnh uỷ (b/c)',
    'TT LĐLĐ tỉnh',
    'LĐLĐ các huyện, thành phố, CĐ ngành',
    'CĐCS trực thuộc LĐLĐ tỉnh',
    'CĐCS thuộc ngành Trung ương trên địa bàn tỉnh',
    'Các Ban LĐLĐ tỉnh',
    'Các đơn vị không có TDOffice (t/h)',
    'Lưu: VT, CTCS',
  ],
  materials: [{ title: 'Tài liệu chuyên đề năm 2020 do Ban Tuyên giáo Trung ương biên soạn', url: 'http://congdoanbackan.org.vn' }],
  // Reported "within the periodic activity reports": no report of its own; each member's pledge holds at least three items.
  requirements: {
    study: { levels: ['grassroots'] },
    pledge: { minItems: 3 },
    actionPlan: { levels: ['district', 'grassroots'], minFocalTasks: 0 },
    implementationPlan: { levels: ['district'] },
  },
});

/** The Bình Thuận 2024 plan of the federation's party delegation: its copy has no header (no number, no date). */
export const BINH_THUAN_2024 = (campaignId: string, issuingUnitId: string) => ({
  campaignId,
  issuingUnitId,
  year: 2024,
  theme: 'Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh về thực hành dân chủ và tăng cường pháp chế, bảo đảm kỷ cương xã hội',
  document: {
    kind: 'plan',
    title: 'Kế hoạch học tập, quán triệt chuyên đề năm 2024',
    issuedOn: '2024-02-29',
    dateAsWritten: 'không ghi (bản sao không có phần đầu; sau Hướng dẫn số 113-HD/BTGTU ngày 28/02/2024 mà nó dẫn)',
    issuedBy: 'Đảng đoàn Liên đoàn Lao động tỉnh Bình Thuận',
    signedBy: { name: 'Đỗ Hữu Quy', position: 'T/M ĐẢNG ĐOÀN — BÍ THƯ' },
  },
  references: [
    { number: '213-KH/TU', issuedOn: '2024-02-07', issuer: 'Ban Thường vụ Tỉnh ủy', title: 'Kế hoạch học tập, quán triệt chuyên đề năm 2024' },
    { number: '113-HD/BTGTU', issuedOn: '2024-02-28', issuer: 'Ban Tuyên giáo Tỉnh ủy', title: 'Hướng dẫn học tập, quán triệt chuyên đề năm 2024' },
    { number: '01-KL/TW', issuer: 'Bộ Chính trị (khóa XIII)', title: 'Kết luận về tiếp tục thực hiện Chỉ thị số 05-CT/TW' },
    { number: '21-KL/TW', issuer: 'Ban Chấp hành Trung ương (khóa XIII)', title: 'Kết luận về đẩy mạnh xây dựng, chỉnh đốn Đảng và hệ thống chính trị' },
    { number: '39-KH/TU', issuer: 'Ban Thường vụ Tỉnh ủy', title: 'Kế hoạch thực hiện Kết luận số 01-KL/TW' },
  ],
  // The copy ends with two signature pages; this is the first (the second, signed Nguyễn Xuân Phối, lists no Ban Tuyên giáo Tổng LĐLĐVN).
  recipients: [
    'Thường trực Tỉnh ủy',
    'Ban Tuyên giáo, Ban Dân vận, Văn phòng TU',
    'Ban Tuyên giáo Tổng LĐLĐVN',
    'Thường trực LĐLĐ tỉnh',
    'VP, các ban và đơn vị trực thuộc LĐLĐ tỉnh',
    'CĐ cấp trên trực tiếp cơ sở',
    'Lưu VT, Đảng đoàn, TG-NC',
  ],
  materials: [
    { title: 'Chuyên đề năm 2024 do Trường Chính trị tỉnh biên soạn', url: 'https://btgtu.binhthuan.dcs.vn' },
    { title: 'Trang thông tin điện tử Công đoàn Bình Thuận, mục Tuyên truyền, phổ biến pháp luật', url: 'http://www.congdoanbinhthuan.org.vn' },
  ],
  requirements: {
    study: { dueOn: '2024-03-31', levels: ['district', 'grassroots'] },
    pledge: { dueOn: '2024-04-10', minItems: 1 },
    actionPlan: { levels: ['district', 'grassroots'], minFocalTasks: 1 },
    reports: [
      { kind: 'study_results', dueOn: '2024-05-03', levels: ['district'] },
      { kind: 'semi_annual', dueOn: '2024-05-06', levels: ['district'] },
      { kind: 'annual', dueOn: '2024-11-11', levels: ['district'] },
    ],
  },
});
