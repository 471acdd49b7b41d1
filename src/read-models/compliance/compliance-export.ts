import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { OrgLevel } from '../../events/org/org-unit-events.js';
import { addFigures, type CampaignAt, type Knowledge, publicFigures, type Queryable, rollups, subtreeCompliancePages, unitCompliance, zeroFigures } from './compliance-reader.js';
import type { ComplianceStatus } from './compliance-rules.js';

/** Vietnamese labels of what the spreadsheet shows. */
export const STATUS_LABELS: Record<ComplianceStatus, string> = {
  met: 'Đạt, đúng hạn',
  met_late: 'Đạt, nhưng muộn',
  pending: 'Chưa đến hạn',
  missed: 'Quá hạn, chưa đạt',
  not_applicable: 'Không áp dụng',
};

export const LEVEL_LABELS: Record<OrgLevel, string> = {
  national: 'Trung ương',
  provincial: 'Tỉnh, thành phố',
  district: 'Cấp huyện',
  grassroots: 'Cơ sở',
};

const REQUIREMENT_LABELS: Record<string, string> = {
  study: 'Học tập chuyên đề',
  pledges: 'Bản cam kết tu dưỡng, rèn luyện',
  action_plan: 'Kế hoạch làm theo',
  focal_tasks: 'Nhiệm vụ trọng tâm, đột phá',
  implementation_plan: 'Kế hoạch thực hiện',
  report_study_results: 'Báo cáo kết quả học tập',
  report_semi_annual: 'Báo cáo 6 tháng',
  report_annual: 'Báo cáo năm',
};

const FIGURE_COLUMNS = [
  ['members', 'Số đoàn viên'],
  ['membersStudied', 'Số đoàn viên đã học tập'],
  ['studiedRatio', 'Tỷ lệ đoàn viên đã học tập'],
  ['pledges', 'Số bản cam kết'],
  ['pledgeRatio', 'Tỷ lệ đoàn viên có cam kết đạt yêu cầu'],
  ['latePledges', 'Cam kết nộp muộn'],
  ['shortPledges', 'Cam kết thiếu nội dung'],
  ['sessions', 'Số buổi học tập'],
  ['focalTasks', 'Số nhiệm vụ trọng tâm'],
] as const;

const RATIOS = new Set(['studiedRatio', 'pledgeRatio']);

const vnDate = (date: string): string => `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}`;

export interface ExportQuestion {
  readonly campaign: CampaignAt;
  readonly unitId: string;
  readonly unitName: string;
  readonly asOf: string;
  readonly knowledge: Knowledge;
  readonly knownAt: string;
}

type Cell = string | number | null;

/** The header, then the rows of the subtree by code, then a total: what both formats write. */
async function* sheetRows(q: Queryable, x: ExportQuestion): AsyncGenerator<{ kind: 'header' | 'unit' | 'total'; cells: Cell[] }> {
  // Every requirement of the plan on asOf (each unit lists them all, those not for its level included).
  const requirementCodes = x.campaign.defaults.get('grassroots')!.requirements.map((r) => ({ code: r.code, dueOn: r.dueOn }));
  yield {
    kind: 'header',
    cells: [
      'Mã đơn vị',
      'Tên đơn vị',
      'Cấp',
      'Mã đơn vị cấp trên',
      'Tình trạng chung',
      ...requirementCodes.map((r) => `${REQUIREMENT_LABELS[r.code] ?? r.code} (hạn ${vnDate(r.dueOn)})`),
      ...FIGURE_COLUMNS.map(([, label]) => label),
    ],
  };
  for await (const page of subtreeCompliancePages(q, x.campaign, x.unitId, x.asOf, x.knowledge)) {
    // Each unit's figures are its view's: an upper level's are those of its whole subtree.
    const below = await rollups(q, x.campaign, page.map((u) => u.unit.unitId), x.asOf, x.knowledge);
    for (const u of page) {
      const figures = publicFigures(addFigures({ ...below.get(u.unit.unitId)!.below }, u.ownFigures));
      const byCode = new Map(u.requirements.map((r) => [r.code, r.status]));
      yield {
        kind: 'unit',
        cells: [
          u.unit.code,
          u.unit.name,
          LEVEL_LABELS[u.unit.level],
          u.parentCode,
          STATUS_LABELS[u.status],
          ...requirementCodes.map((r) => STATUS_LABELS[byCode.get(r.code) ?? 'not_applicable']),
          ...FIGURE_COLUMNS.map(([key]) => figures[key]),
        ],
      };
    }
  }
  // The total is the compliance view's: the unit and everything under it, ended units' facts included.
  const rollup = (await rollups(q, x.campaign, [x.unitId], x.asOf, x.knowledge)).get(x.unitId)!;
  const own = (await unitCompliance(q, x.campaign, x.unitId, x.asOf, x.knowledge))?.ownFigures ?? zeroFigures();
  const sums = publicFigures(addFigures({ ...rollup.below }, own));
  yield { kind: 'total', cells: ['Tổng cộng', x.unitName, null, null, null, ...requirementCodes.map(() => null), ...FIGURE_COLUMNS.map(([key]) => sums[key])] };
}

/**
 * Streams the subtree's compliance as an Excel workbook (exceljs's streaming writer: rows are
 * written as they are read, a page of units at a time).
 */
export async function writeXlsx(q: Queryable, x: ExportQuestion, out: Writable): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  workbook.creator = 'union-study-ledger';
  const sheet = workbook.addWorksheet('Tuân thủ', { views: [{ state: 'frozen', ySplit: 4 }] });
  sheet.addRow([`Kết quả thực hiện chuyên đề — ${x.unitName}`]).commit();
  sheet.addRow([`Tính đến ngày ${vnDate(x.asOf)}; theo dữ liệu ghi nhận đến ${x.knownAt}`]).commit();
  sheet.addRow([]).commit();
  let ratioColumns: number[] = [];
  for await (const row of sheetRows(q, x)) {
    const added = sheet.addRow(row.cells);
    if (row.kind === 'header') {
      added.font = { bold: true };
      const offset = row.cells.length - FIGURE_COLUMNS.length;
      ratioColumns = FIGURE_COLUMNS.flatMap(([key], i) => (RATIOS.has(key) ? [offset + i + 1] : []));
      row.cells.forEach((_, i) => (sheet.getColumn(i + 1).width = i === 1 ? 40 : 18));
    } else {
      for (const c of ratioColumns) added.getCell(c).numFmt = '0.0%';
      if (row.kind === 'total') added.font = { bold: true };
    }
    added.commit();
  }
  sheet.commit();
  await workbook.commit();
}

/** A CSV field: quoted when it must be (RFC 4180), and never read as a formula by a spreadsheet. */
function csvField(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Streams the same rows as CSV: UTF-8 with a byte order mark (spreadsheet programs read the Vietnamese right), CRLF, shares as decimals. */
export async function writeCsv(q: Queryable, x: ExportQuestion, out: Writable): Promise<void> {
  const write = (chunk: string): Promise<void> =>
    new Promise((resolve, reject) => {
      if (out.write(chunk, 'utf8')) resolve();
      else {
        out.once('drain', resolve);
        out.once('error', reject);
      }
    });
  await write('\uFEFF');
  for await (const row of sheetRows(q, x)) await write(`${row.cells.map(csvField).join(',')}\r\n`);
  await new Promise<void>((resolve) => out.end(resolve));
}
