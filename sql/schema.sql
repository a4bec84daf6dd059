-- jixiao warehouse: one row per report file, per form, per funding source, per indicator row.
-- Money is DECIMAL(18,2) in 元 (the printed amount and unit are kept beside it); weights (分值),
-- scores (得分) and rates (执行率) are DECIMAL(9,2). No floats.
-- Every table keeps report_sha256: the file a value was read from. Applied idempotently on connect.

CREATE TABLE IF NOT EXISTS dim_report (
    report_sha256 VARCHAR PRIMARY KEY,
    file_name     VARCHAR NOT NULL,
    file_path     VARCHAR,
    pages         INTEGER,
    ingested_at   TIMESTAMP NOT NULL,
    read_at       TIMESTAMP NOT NULL,
    status        VARCHAR NOT NULL,
    error_kind    VARCHAR,
    error         VARCHAR,
    error_page    INTEGER,
    forms         INTEGER NOT NULL,
    load_seq      BIGINT NOT NULL,
    source_path   VARCHAR
);
COMMENT ON TABLE dim_report IS '报告文件: one row per report file ingested (loaded or quarantined), keyed by the file''s sha256';
COMMENT ON COLUMN dim_report.report_sha256 IS '文件SHA-256: content hash; the same file under another name is the same report';
COMMENT ON COLUMN dim_report.file_name IS '文件名: name of the file last read (the same content under another name is skipped, or with --force re-read under that name)';
COMMENT ON COLUMN dim_report.file_path IS '文件路径: absolute path of the file last read (kept by jixiao rebuild, which reads the copy in source_path)';
COMMENT ON COLUMN dim_report.pages IS '页数: number of PDF pages';
COMMENT ON COLUMN dim_report.ingested_at IS '入库时间: when the report was first loaded or refused (UTC); kept when re-read';
COMMENT ON COLUMN dim_report.read_at IS '读取时间: when the rows of this report were last read from the file (UTC); moves on every re-read or rerun';
COMMENT ON COLUMN dim_report.status IS '状态: loaded, or quarantined (refused with its error; nothing of it is in the fact tables)';
COMMENT ON COLUMN dim_report.error_kind IS '错误类型: not_a_pdf, broken (damaged or truncated), encrypted, empty, scanned (only from versions before scans were read by OCR), no_form, incomplete_form, extraction_fault (a misread, or a form printed twice in one file), unreadable (a PDF library or the reader failed on it, or its reading process died), over_limit (more time, pages or memory than a report may take), text_layer_unreadable (a page''s text layer cannot be trusted — fonts mapping codes to no character, to private-use or control characters, or to text holding no label of any form — and no form could be read from its image, or a page in a CJK font neither the PDF nor the machine has), unsupported_format (a legacy .doc: save it as .docx)';
COMMENT ON COLUMN dim_report.error IS '错误: why the report was quarantined, naming file and page';
COMMENT ON COLUMN dim_report.error_page IS '错误页码: page the error was found on, where known';
COMMENT ON COLUMN dim_report.forms IS '自评表数: forms (项目支出绩效自评表) read from the report';
COMMENT ON COLUMN dim_report.load_seq IS '入库序号: 1, 2, 3 … in the order reports were first loaded or refused; kept when re-read and by jixiao rebuild, it orders the versions of a form (the last loaded is current)';
COMMENT ON COLUMN dim_report.source_path IS '源文件副本: the copy of the report file kept in the store of sources (<store>/<sha256[:2]>/<sha256>.pdf, or its own suffix: .xlsx, .html …), which jixiao rebuild reloads; null for a refused report';

CREATE TABLE IF NOT EXISTS dim_form (
    form_id           VARCHAR NOT NULL,
    report_sha256     VARCHAR NOT NULL,
    template          VARCHAR NOT NULL,
    title             VARCHAR,
    project_code      VARCHAR,
    project_name      VARCHAR,
    year              INTEGER NOT NULL,
    implementing_unit VARCHAR,
    budget_unit       VARCHAR,
    money_unit        VARCHAR NOT NULL,
    goal_expected     VARCHAR,
    goal_actual       VARCHAR,
    funds_weight      DECIMAL(9,2),
    execution_rate    DECIMAL(9,2),
    funds_score       DECIMAL(9,2),
    funds_note        VARCHAR,
    indicators_weight DECIMAL(9,2),
    total_weight      DECIMAL(9,2),
    total_score       DECIMAL(9,2),
    implementation_summary VARCHAR,
    conclusion        VARCHAR,
    problems          VARCHAR,
    improvements      VARCHAR,
    project_lead      VARCHAR,
    finance_lead      VARCHAR,
    variant           VARCHAR,
    department        VARCHAR,
    table_no          VARCHAR,
    other_notes       VARCHAR,
    grade             VARCHAR,
    report_date       VARCHAR,
    checkboxes        VARCHAR,
    execution_rate_decimals INTEGER,
    funds_score_decimals    INTEGER,
    first_page        INTEGER NOT NULL,
    last_page         INTEGER NOT NULL,
    source_place      VARCHAR,
    seals             VARCHAR,
    may_be_cut        VARCHAR,
    ocr_reason        VARCHAR,
    is_current        BOOLEAN NOT NULL,
    superseded_by     VARCHAR,
    read_method       VARCHAR NOT NULL DEFAULT 'text',
    ocr_engine        VARCHAR,
    ocr_version       VARCHAR,
    status            VARCHAR NOT NULL DEFAULT 'text',
    ocr_failed_rules  VARCHAR,
    PRIMARY KEY (form_id, report_sha256)
);
COMMENT ON TABLE dim_form IS '项目支出绩效自评表: one row per form per report; a re-issued report keeps both versions';
COMMENT ON COLUMN dim_form.form_id IS '自评表ID: <项目编码>-<年度>; where no 项目编码 is printed (national template), <N + 16 hex digits of sha256 over "年度|实施单位|项目名称", whitespace removed>-<年度>: deterministic, so a re-issue of the same project and year supersedes the earlier version';
COMMENT ON COLUMN dim_form.report_sha256 IS '文件SHA-256: the report this version of the form was read from';
COMMENT ON COLUMN dim_form.template IS '模板: the template the form was printed from and read by (pipeline/forms/templates/<template>.toml: luohu, central, sichuan, …)';
COMMENT ON COLUMN dim_form.title IS '标题: the printed title (项目支出绩效自评表, 部门预算项目支出绩效自评表)';
COMMENT ON COLUMN dim_form.project_code IS '项目编码: as printed (sichuan: the code before "-" in 项目名称); null where the template prints none';
COMMENT ON COLUMN dim_form.project_name IS '项目名称';
COMMENT ON COLUMN dim_form.year IS '绩效自评年度: from the header, or the title''s "（2022年度）"';
COMMENT ON COLUMN dim_form.implementing_unit IS '实施单位';
COMMENT ON COLUMN dim_form.budget_unit IS '一级预算单位: or 主管部门, where the template prints that';
COMMENT ON COLUMN dim_form.money_unit IS '金额单位: the unit the form prints its amounts in (元, 万元); the amount columns of fact_fund_execution are in 元';
COMMENT ON COLUMN dim_form.goal_expected IS '预期目标: 年度总体目标 预期目标';
COMMENT ON COLUMN dim_form.goal_actual IS '实际完成情况: 年度总体目标 实际完成情况';
COMMENT ON COLUMN dim_form.funds_weight IS '资金分值: 资金使用情况 分值 (normally 10)';
COMMENT ON COLUMN dim_form.execution_rate IS '执行率（%）: as printed';
COMMENT ON COLUMN dim_form.funds_score IS '资金得分: 资金使用情况 得分 as printed';
COMMENT ON COLUMN dim_form.funds_note IS '原因: the funds table''s note (sichuan)';
COMMENT ON COLUMN dim_form.indicators_weight IS '绩效指标分值: the section weight "绩效指标（90分）" where the template prints weights per section (sichuan); null elsewhere';
COMMENT ON COLUMN dim_form.implementation_summary IS '项目实施内容及过程概述: sichuan';
COMMENT ON COLUMN dim_form.conclusion IS '评价结论: sichuan';
COMMENT ON COLUMN dim_form.problems IS '存在问题: sichuan';
COMMENT ON COLUMN dim_form.improvements IS '改进措施: sichuan';
COMMENT ON COLUMN dim_form.project_lead IS '项目负责人: sichuan; null where blank';
COMMENT ON COLUMN dim_form.finance_lead IS '财务负责人: sichuan; null where blank';
COMMENT ON COLUMN dim_form.variant IS '变体: the printed variant of the form that read it (pipeline/forms/templates/<variant>.toml over pipeline/forms/vocabulary.toml: luohu, central, sichuan, yunnan, langfang, hubei, …); the same as template';
COMMENT ON COLUMN dim_form.department IS '部门: printed above the table ("部门：…", yunnan); null elsewhere';
COMMENT ON COLUMN dim_form.table_no IS '表号: the table number printed above the table ("公开14表", yunnan); null elsewhere';
COMMENT ON COLUMN dim_form.other_notes IS '其他需要说明事项: as printed (yunnan); null elsewhere';
COMMENT ON COLUMN dim_form.grade IS '评价等级: the grade printed after the total score (优, 良, 中, 差; yunnan); null where none is printed';
COMMENT ON COLUMN dim_form.report_date IS '填报日期: as printed ("2024年3月12日", "2024-03-12"; hubei); null where none is printed';
COMMENT ON COLUMN dim_form.checkboxes IS '勾选项: the ticked option of each checkbox question, as JSON ({"项目类别": "部门预算项目", "项目属性": "新增性项目", …}; hubei); null where the form prints none';
COMMENT ON COLUMN dim_form.execution_rate_decimals IS '执行率小数位: digits printed after the decimal point of 执行率 ("86%" 0, "86.25%" 2): the precision the execution_rate and funds_score rules compare at';
COMMENT ON COLUMN dim_form.funds_score_decimals IS '资金得分小数位: digits printed after the decimal point of the funds 得分 ("9" 0, "8.63" 2): the precision the funds_score rule compares at';
COMMENT ON COLUMN dim_form.total_weight IS '总分分值: 总分 分值 (normally 100); null where the variant prints only a score (hubei "总分：95.5分")';
COMMENT ON COLUMN dim_form.total_score IS '总分: 总分 得分 as printed';
COMMENT ON COLUMN dim_form.first_page IS '起始页: first page of the form in its report';
COMMENT ON COLUMN dim_form.last_page IS '结束页: last page of the form in its report (spill pages included)';
COMMENT ON COLUMN dim_form.source_place IS '来源位置: where a form read from a workbook, Word document or web page is in it, since its "pages" are its tables (first_page/last_page count them from 1): the sheet and cell range (''项目支出绩效自评表''!A2:H44) or the table and rows (table 2, rows 1–43); null for a PDF';
COMMENT ON COLUMN dim_form.is_current IS '是否现行: false once a later report re-issues the same project and year';
COMMENT ON COLUMN dim_form.superseded_by IS '被替代: sha256 of the report that superseded this version';
COMMENT ON COLUMN dim_form.seals IS '电子签章: the electronic seals drawn as text over the form (JSON list of {page, box [x0, y0, x1, y1] in PDF points of the page as displayed, text}), set aside before the text was placed in cells; null when none';
COMMENT ON COLUMN dim_form.may_be_cut IS '可能被截断: the free-text columns of this form (goal_expected, goal_actual, funds_note, conclusion, …; comma-separated) that a spreadsheet program printed (the PDF''s /Creator or /Producer: Calc, Excel, WPS 表格; pipeline/forms/vocabulary.toml [clipping]) filling their cell to within one line of its bottom border: such a program prints only the lines that fit a row''s height, so more may have been written than printed, and nothing in the PDF tells; or whose cell''s border certainly cuts its text (a line drawn under the border, clipped away: read, the lines after it are not in the PDF), whatever the producer; the value is loaded as printed and listed in v_may_be_cut; null where none';
COMMENT ON COLUMN dim_form.ocr_reason IS 'OCR原因: why the form was read from its image: no_text_layer (a scan), text_layer_unreadable (a text layer whose fonts map to no, private-use or wrong characters, or words drawn invisible over a scan: a scan made searchable) or ocr_asked_for (a text layer the user set aside: --prefer-ocr); null for text';
COMMENT ON COLUMN dim_form.read_method IS '读取方式: text (the PDF''s text layer) or ocr (some page of the form had no text layer and was read from its image)';
COMMENT ON COLUMN dim_form.ocr_engine IS 'OCR引擎: the engine that read the form''s scanned pages (rapidocr-onnxruntime); null for text';
COMMENT ON COLUMN dim_form.ocr_version IS 'OCR版本: the version of that engine, with the models it ran and how the page was read: "1.4.4 (folded, page)" ($JIXIAO_OCR_MODEL folded, wheel, v6 or v6rec; $JIXIAO_OCR_READ page, the detector over the page, or cells, each cell of the ruling recognised alone)';
COMMENT ON COLUMN dim_form.status IS '核验状态: text (read from the text layer; failed checks are findings about the form), ocr_verified (read by OCR, every check holds on its numbers), ocr_unverified (read by OCR, some check fails: a misread or the form''s own error, which OCR cannot tell apart; or a unit or project name no source confirms, v_ocr_unmatched_names; kept out of the analyst views, see v_ocr_forms and v_ocr_unverified_cells)';
COMMENT ON COLUMN dim_form.ocr_failed_rules IS 'OCR未通过规则: the rules that failed on an ocr_unverified form, comma-separated; not_a_number where a number cell was read as no number (stored as null); second_read where a target or actual read twice gives two numbers; strict_sign where one was read with ">" or "<" (forms print ≥ ≤; the recogniser reads ≥ as >); unreadable_sign where a sign may be one the recogniser cannot read (≧ ≦ ═ read "=", "—"; a 指标性质 lost); unverified_name where a unit or project name is one no source confirms (v_ocr_unmatched_names, kept up to date at every load)';

CREATE TABLE IF NOT EXISTS fact_fund_execution (
    form_id        VARCHAR NOT NULL,
    report_sha256  VARCHAR NOT NULL,
    source_order   INTEGER NOT NULL,
    source         VARCHAR NOT NULL,
    role           VARCHAR NOT NULL,
    initial_budget DECIMAL(18,2),
    annual_budget  DECIMAL(18,2),
    executed       DECIMAL(18,2),
    money_unit     VARCHAR NOT NULL,
    initial_budget_printed DECIMAL(24,6),
    annual_budget_printed  DECIMAL(24,6),
    executed_printed       DECIMAL(24,6),
    execution_rate DECIMAL(9,2),
    page           INTEGER NOT NULL,
    PRIMARY KEY (form_id, report_sha256, source)
);
COMMENT ON TABLE fact_fund_execution IS '项目资金: one row per form and funding source; amounts in 元, the printed amounts and unit beside them';
COMMENT ON COLUMN fact_fund_execution.form_id IS '自评表ID';
COMMENT ON COLUMN fact_fund_execution.report_sha256 IS '文件SHA-256';
COMMENT ON COLUMN fact_fund_execution.source_order IS '序号: position of the source in its template (luohu: 1 年度资金总额, 2 当年财政拨款, 3 上年结转资金, 4 其他资金; sichuan: 1 总额, 2 财政资金, 3 财政专户管理资金, 4 单位资金, 5 其他资金)';
COMMENT ON COLUMN fact_fund_execution.source IS '资金来源: as printed, without 其中： (年度资金总额, 本年财政拨款, 财政资金 …)';
COMMENT ON COLUMN fact_fund_execution.role IS '资金角色: canonical role of the source, comparable across templates: total (年度资金总额, 总额) = the sum of the others; appropriation (当年/本年财政拨款, 财政资金), carried_over (上年结转资金), special_account (财政专户管理资金), unit_funds (单位资金), other (其他资金)';
COMMENT ON COLUMN fact_fund_execution.initial_budget IS '年初预算数: 元 (printed amount × unit)';
COMMENT ON COLUMN fact_fund_execution.annual_budget IS '全年预算数: 元 (调整后预算数 on sichuan forms)';
COMMENT ON COLUMN fact_fund_execution.executed IS '全年执行数: 元 (预算执行数 on sichuan forms)';
COMMENT ON COLUMN fact_fund_execution.money_unit IS '金额单位: the unit the amounts are printed in (元, 万元)';
COMMENT ON COLUMN fact_fund_execution.initial_budget_printed IS '年初预算数（原单位）: as printed, in money_unit';
COMMENT ON COLUMN fact_fund_execution.annual_budget_printed IS '全年预算数（原单位）: as printed, in money_unit';
COMMENT ON COLUMN fact_fund_execution.executed_printed IS '全年执行数（原单位）: as printed, in money_unit';
COMMENT ON COLUMN fact_fund_execution.execution_rate IS '预算执行率（%）: this row''s own rate, where the template prints one per source (sichuan); null where not printed or "/"';
COMMENT ON COLUMN fact_fund_execution.page IS '页码: page the row was read from';

CREATE TABLE IF NOT EXISTS fact_indicator_result (
    form_id        VARCHAR NOT NULL,
    report_sha256  VARCHAR NOT NULL,
    row_no         INTEGER NOT NULL,
    level1         VARCHAR,
    level1_weight  DECIMAL(9,2),
    level2         VARCHAR,
    level3         VARCHAR,
    nature         VARCHAR,
    target         VARCHAR,
    unit           VARCHAR,
    actual         VARCHAR,
    weight         DECIMAL(9,2),
    score          DECIMAL(9,2),
    deviation_note VARCHAR,
    page           INTEGER NOT NULL,
    placeholder    BOOLEAN NOT NULL DEFAULT false,
    may_be_cut     VARCHAR,
    target_comparator VARCHAR,
    target_value      DECIMAL(38,6),
    target_unit       VARCHAR,
    actual_comparator VARCHAR,
    actual_value      DECIMAL(38,6),
    actual_unit       VARCHAR,
    target_met        BOOLEAN,
    rule_score        DECIMAL(9,2),
    PRIMARY KEY (form_id, report_sha256, row_no)
);
COMMENT ON TABLE fact_indicator_result IS '年度绩效指标: one row per printed indicator row, 不适用 rows included';
COMMENT ON COLUMN fact_indicator_result.form_id IS '自评表ID';
COMMENT ON COLUMN fact_indicator_result.report_sha256 IS '文件SHA-256';
COMMENT ON COLUMN fact_indicator_result.row_no IS '行号: printed order within the form, from 1';
COMMENT ON COLUMN fact_indicator_result.level1 IS '一级指标: 产出指标, 效益指标, 满意度指标; some variants 过程指标, 成本指标';
COMMENT ON COLUMN fact_indicator_result.level1_weight IS '一级指标分值: the printed "(N分)"';
COMMENT ON COLUMN fact_indicator_result.level2 IS '二级指标';
COMMENT ON COLUMN fact_indicator_result.level3 IS '三级指标: empty on rows such as 经济效益指标 不适用';
COMMENT ON COLUMN fact_indicator_result.nature IS '指标性质: as printed (=, ≥, ≤, 定性 (qualitative); ≧ ≦ ═ on yunnan forms), where the variant prints the target in three cells (sichuan, yunnan); null elsewhere or where empty. target_comparator holds the plain sign';
COMMENT ON COLUMN fact_indicator_result.target IS '年度指标值: as printed (sichuan: 指标值, without 指标性质 and 度量单位)';
COMMENT ON COLUMN fact_indicator_result.unit IS '度量单位: sichuan, yunnan; null elsewhere (the unit is then part of 年度指标值)';
COMMENT ON COLUMN fact_indicator_result.actual IS '实际完成值: as printed';
COMMENT ON COLUMN fact_indicator_result.weight IS '分值: null on placeholder rows and where the variant prints no 分值 column (hubei: weights only on the 一级指标)';
COMMENT ON COLUMN fact_indicator_result.score IS '得分: self-assessed, as printed';
COMMENT ON COLUMN fact_indicator_result.deviation_note IS '偏差原因分析及改进措施';
COMMENT ON COLUMN fact_indicator_result.page IS '页码: page the row was read from';
COMMENT ON COLUMN fact_indicator_result.placeholder IS '占位行: true for a row the template left empty ("指标2", "……", a bare 经济效益指标): every value null, nothing to check';
COMMENT ON COLUMN fact_indicator_result.may_be_cut IS '可能被截断: the free-text columns of this row (deviation_note) that a spreadsheet program printed filling their cell to within one line of its bottom border, or its texts (deviation_note, level3, target, actual) whose cell''s border cuts them: more may have been written than printed (as dim_form.may_be_cut; listed in v_may_be_cut); null where none';
COMMENT ON COLUMN fact_indicator_result.target_comparator IS '指标值比较符: ≥, ≤, >, < or = as printed ("30分钟内" is ≤; sichuan: 指标性质); null when none is printed or the value is qualitative (指标性质 定性)';
COMMENT ON COLUMN fact_indicator_result.target_value IS '指标值数值: the number of 年度指标值, 万/亿 multiplied out ("≥1200万条" is 12000000); null when qualitative';
COMMENT ON COLUMN fact_indicator_result.target_unit IS '指标值单位: unit of 年度指标值 without 万/亿 (人次, %, dB/km, 条; sichuan: 度量单位); null when none is printed';
COMMENT ON COLUMN fact_indicator_result.actual_comparator IS '完成值比较符: comparator printed in 实际完成值 ("30分钟内响应" is ≤); usually null';
COMMENT ON COLUMN fact_indicator_result.actual_value IS '完成值数值: the number of 实际完成值, 万/亿 multiplied out; null when qualitative';
COMMENT ON COLUMN fact_indicator_result.actual_unit IS '完成值单位: unit of 实际完成值 without 万/亿; null when none is printed';
COMMENT ON COLUMN fact_indicator_result.target_met IS '是否达标: actual meets the target (no comparator printed reads as ≥); null when qualitative or the units differ';
COMMENT ON COLUMN fact_indicator_result.rule_score IS '规则得分: score by 财预〔2020〕10号 — met: 分值; short of ≥: 完成值/指标值×分值; short of ≤: 指标值/完成值×分值; rounded half up; null when target_met is null';

CREATE TABLE IF NOT EXISTS ocr_cell (
    form_id       VARCHAR NOT NULL,
    report_sha256 VARCHAR NOT NULL,
    page          INTEGER NOT NULL,
    grid_no       INTEGER NOT NULL,
    row_no        INTEGER NOT NULL,
    col_no        INTEGER NOT NULL,
    text          VARCHAR NOT NULL,
    raw_text      VARCHAR NOT NULL,
    confidence    DECIMAL(5,4) NOT NULL,
    x0            DECIMAL(9,1),
    y0            DECIMAL(9,1),
    x1            DECIMAL(9,1),
    y1            DECIMAL(9,1),
    correction    VARCHAR,
    is_number     BOOLEAN NOT NULL,
    unverified    BOOLEAN NOT NULL,
    reason        VARCHAR,
    PRIMARY KEY (form_id, report_sha256, page, grid_no, row_no, col_no)
);
COMMENT ON TABLE ocr_cell IS 'OCR单元格: one row per non-empty cell of a scanned page of a form read by OCR, with its confidence and box';
COMMENT ON COLUMN ocr_cell.form_id IS '自评表ID';
COMMENT ON COLUMN ocr_cell.report_sha256 IS '文件SHA-256';
COMMENT ON COLUMN ocr_cell.page IS '页码: page of the report';
COMMENT ON COLUMN ocr_cell.grid_no IS '表号: which ruled table of the page the cell is in, top to bottom (0 = top); a page may hold several (a web page''s banner, two forms)';
COMMENT ON COLUMN ocr_cell.row_no IS '行号: row of the ruled table recovered from the image (0 = top)';
COMMENT ON COLUMN ocr_cell.col_no IS '列号: column of that table (0 = left); a merged cell is its top-left cell';
COMMENT ON COLUMN ocr_cell.text IS '文本: the cell''s text as read into the form (after the correction, if any)';
COMMENT ON COLUMN ocr_cell.raw_text IS '识别文本: the text as the recogniser gave it';
COMMENT ON COLUMN ocr_cell.confidence IS '置信度: the recogniser''s confidence of the weakest line in the cell (0–1; 0.5 for a dash read by its shape)';
COMMENT ON COLUMN ocr_cell.x0 IS '左: box of the recognised text, PDF points of the deskewed page';
COMMENT ON COLUMN ocr_cell.y0 IS '下: box, PDF points (y up)';
COMMENT ON COLUMN ocr_cell.x1 IS '右: box, PDF points';
COMMENT ON COLUMN ocr_cell.y1 IS '上: box, PDF points (y up)';
COMMENT ON COLUMN ocr_cell.correction IS '更正: the confusion corrected, as "raw→text": a lone 一→—, O→0, l→1, 。→. in a number, a stray mark at a cell''s end, a template label one character off, a missing decimal point (kept only where every check then holds); null where none';
COMMENT ON COLUMN ocr_cell.is_number IS '是否数字: the cell holds a number';
COMMENT ON COLUMN ocr_cell.unverified IS '未核验: a number (or corrected cell) of an ocr_unverified form that a failed check rests on, was corrected, or was read with low confidence; and a target or actual whose second read gives other numbers or that was read with a strict sign, on any OCR''d form';
COMMENT ON COLUMN ocr_cell.reason IS '原因: failed_check:<rules>; second_read:<the second read> (a target or actual whose two reads give other numbers); strict_sign (a target, actual or 指标性质 read with > or <, which forms do not print: a misread ≥ or ≤); unreadable_sign (a 指标性质 read as other than ≥ ≤ 定性 定量, a target or actual read with =: the recogniser has no ≧ ≦ ═); not_a_number (read into a number field, stored as null); corrected; low_confidence (below 0.9)';

CREATE TABLE IF NOT EXISTS check_result (
    form_id       VARCHAR NOT NULL,
    report_sha256 VARCHAR NOT NULL,
    project_code  VARCHAR,
    rule          VARCHAR NOT NULL,
    subject       VARCHAR NOT NULL,
    expected      DECIMAL(18,2),
    observed      DECIMAL(18,2),
    passed        BOOLEAN NOT NULL,
    checked_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (form_id, report_sha256, rule, subject)
);
COMMENT ON TABLE check_result IS '校验结果: one row per form, rule and subject, from the Great Expectations suites in expectations/';
COMMENT ON COLUMN check_result.form_id IS '自评表ID';
COMMENT ON COLUMN check_result.report_sha256 IS '文件SHA-256';
COMMENT ON COLUMN check_result.project_code IS '项目编码: null where the form prints none (see dim_form.form_id)';
COMMENT ON COLUMN check_result.rule IS '规则: weights_total, total_weight, funds_weight, level1_sum, score_above_weight, total_score, fund_total, execution_rate, funds_score';
COMMENT ON COLUMN check_result.subject IS '对象: what the rule was applied to (the form, a 一级指标, an indicator row, an amount column)';
COMMENT ON COLUMN check_result.expected IS '应为: the value the rule computes (amounts in 元)';
COMMENT ON COLUMN check_result.observed IS '实为: the value the form prints';
COMMENT ON COLUMN check_result.passed IS '是否通过';
COMMENT ON COLUMN check_result.checked_at IS '校验时间: UTC';

-- Names one unit is printed under, for grouping: filled from sql/unit_aliases.csv (the user's to
-- extend) at every writable connect, both sides normalised by unit_norm (sql/views/00_macros.sql).
CREATE TABLE IF NOT EXISTS unit_alias (
    alias VARCHAR PRIMARY KEY,
    unit  VARCHAR NOT NULL
);
COMMENT ON TABLE unit_alias IS '单位别名: another name of a unit (as unit_norm gives it) → the name it is grouped under; from sql/unit_aliases.csv';
COMMENT ON COLUMN unit_alias.alias IS '别名: a unit name, normalised (no spaces, half-width brackets, no （本级）)';
COMMENT ON COLUMN unit_alias.unit IS '单位: the name the alias is grouped under, normalised alike';
