#!/usr/bin/env bats
# tim-mark in Office and ODF documents against the real editor: documents
# made by LibreOffice, marked, saved again by LibreOffice, rendered to PDF
# and read back with pdftotext and by counting ink where the watermark is.
load test_helper

office() { python3 "$BATS_TEST_DIRNAME/fixtures/office.py" "$@"; }

# The six kinds, by the file names this file gives them.
KINDS="w.docx x.xlsx p.pptx t.odt s.ods i.odp"

# LibreOffice with a profile of this test's own; FORMAT FILE... into OUTDIR.
lo() {
	local fmt=$1 out=$2
	shift 2
	HOME="$BATS_TEST_TMPDIR" timeout 300 soffice --headless --norestore \
	    "-env:UserInstallation=file://$BATS_TEST_TMPDIR/lo-profile" \
	    --convert-to "$fmt" --outdir "$out" "$@" >/dev/null 2>&1
}

need_soffice() {
	command -v soffice >/dev/null || skip "LibreOffice (soffice) is not installed: scripts/deps.sh check installs it"
	command -v pdftotext >/dev/null || skip "pdftotext (poppler-utils) is not installed"
}

# Documents LibreOffice made itself, once for the whole file.
setup_file() {
	command -v soffice >/dev/null || return 0
	local d="$BATS_FILE_TMPDIR/orig" p="$BATS_FILE_TMPDIR/lo-setup"
	python3 "$BATS_TEST_DIRNAME/fixtures/office.py" lo-src "$d/src"
	for f in docx:text.fodt xlsx:sheet.fods pptx:slides.fodp odt:text.fodt ods:sheet.fods odp:slides.fodp; do
		HOME="$BATS_FILE_TMPDIR" timeout 300 soffice --headless --norestore "-env:UserInstallation=file://$p" \
		    --convert-to "${f%%:*}" --outdir "$d/${f%%:*}" "$d/src/${f#*:}" >/dev/null 2>&1
	done
	cp "$d/docx/text.docx" "$d/w.docx"
	cp "$d/xlsx/sheet.xlsx" "$d/x.xlsx"
	cp "$d/pptx/slides.pptx" "$d/p.pptx"
	cp "$d/odt/text.odt" "$d/t.odt"
	cp "$d/ods/sheet.ods" "$d/s.ods"
	cp "$d/odp/slides.odp" "$d/i.odp"
}

originals() {
	local k
	for k in $KINDS; do
		[ -s "$BATS_FILE_TMPDIR/orig/$k" ] || fail "LibreOffice did not make $k"
		cp "$BATS_FILE_TMPDIR/orig/$k" .
	done
}

# Saves every kind again in its own format into DIR (one call per format).
resave() {
	local k
	mkdir -p "$1"
	for k in $KINDS; do
		lo "${k##*.}" "$1" "$k"
		[ -s "$1/$k" ] || fail "LibreOffice did not save $k again"
	done
}

# Renders every kind in DIR to DIR/pdf in one call.
render() {
	(cd "$1" && lo pdf pdf $KINDS)
	local k
	for k in $KINDS; do
		[ -s "$1/pdf/${k%.*}.pdf" ] || fail "LibreOffice did not render $k"
	done
}

@test "libreoffice: a label survives a save in LibreOffice; each header and footer shows it once; --remove leaves no trace" {
	need_soffice
	originals
	run tim-mark --carriers content -l 極秘 --owner 設計部 $KINDS
	assert_success
	assert_line "marked 'w.docx' 【極秘】 owner=設計部 (docx)"
	assert_line "marked 'i.odp' 【極秘】 owner=設計部 (odp)"
	resave rs
	cd rs
	run tim-mark --show --carriers content $KINDS
	assert_success
	assert_output "w.docx: 【極秘】 owner=設計部 (docx)
x.xlsx: 【極秘】 owner=設計部 (xlsx)
p.pptx: 【極秘】 owner=設計部 (pptx)
t.odt: 【極秘】 owner=設計部 (odt)
s.ods: 【極秘】 owner=設計部 (ods)
i.odp: 【極秘】 owner=設計部 (odp)"
	# Marking again after the save finds tim's marking and changes nothing.
	run tim-mark --carriers content -l 極秘 --owner 設計部 $KINDS
	assert_success
	assert_output ""
	render .
	# Header and footer once each on the page; one box on a slide.
	for k in w t x s; do
		run sh -c "pdftotext -f 1 -l 1 pdf/$k.pdf - | grep -c '【極秘】'"
		assert_output "2"
		run sh -c "pdftotext -f 1 -l 1 pdf/$k.pdf - | grep -c '管理部署: 設計部'"
		assert_output "2"
	done
	for k in p i; do
		run sh -c "pdftotext pdf/$k.pdf - | grep -c '【極秘】'"
		assert_output "1"
	done
	run pdftotext pdf/w.pdf -
	refute_output --partial "owner="
	# The docx watermark is drawn across the middle of the page.
	pdftoppm -r 30 -png -f 1 -l 1 pdf/w.pdf wm
	run office ink wm-1.png 0.25 0.35 0.75 0.75
	[ "$(echo "$output > 0.05" | bc)" -eq 1 ] || fail "no watermark drawn: $output"

	run tim-mark --remove --carriers content $KINDS
	assert_success
	assert_line "removed the label from 'w.docx' (docx)"
	assert_line "removed the label from 's.ods' (ods)"
	run tim-mark --show --carriers content $KINDS
	assert_output --partial "w.docx: not marked"
	refute_output --partial "【"
	mkdir after
	cp $KINDS after/
	render after
	for k in $KINDS; do
		run pdftotext "after/pdf/${k%.*}.pdf" -
		refute_output --partial "極秘"
		refute_output --partial "管理部署"
	done
	pdftoppm -r 30 -png -f 1 -l 1 after/pdf/w.pdf clean
	run office ink clean-1.png 0.25 0.35 0.75 0.75
	[ "$(echo "$output < 0.01" | bc)" -eq 1 ] || fail "a watermark is still drawn: $output"
	# The user's own text is all still there.
	run pdftotext after/pdf/w.pdf -
	assert_output --partial "設計書の本文です。"
	run pdftotext after/pdf/s.pdf -
	assert_output --partial "部品表"
}

@test "libreoffice: spreadsheets get the label in a header section of its own; slides a frame without fill or border" {
	need_soffice
	originals
	tim-mark --carriers content -l 秘 --owner 設計部 x.xlsx s.ods i.odp
	run office part x.xlsx xl/worksheets/sheet1.xml
	# LibreOffice's own header (the sheet name) stays in the centre, the label goes right.
	assert_output --regexp '<oddHeader>&amp;C[^<]*&amp;A&amp;R【秘】 管理部署: 設計部</oddHeader>'
	run office part s.ods styles.xml
	assert_output --partial '<style:region-right><text:p text:style-name="TIM_20_Label">【秘】 管理部署: 設計部</text:p></style:region-right>'
	run office part i.odp styles.xml
	assert_output --partial 'draw:name="TIM_Label" draw:style-name="TIM_20_Label"'
	assert_output --partial '<style:graphic-properties draw:fill="none" draw:stroke="none"'
	mkdir r
	cp x.xlsx s.ods i.odp r/
	(cd r && lo pdf pdf x.xlsx s.ods i.odp)
	run pdftotext -layout r/pdf/x.pdf -
	assert_output --regexp '部品表 +【秘】 管理部署: 設計部'
	# The frame on the slide: no fill around the label.
	pdftoppm -r 30 -png r/pdf/i.pdf slide
	run office ink slide-1.png 0.55 0.0 1.0 0.08
	[ "$(echo "$output < 0.01" | bc)" -eq 1 ] || fail "the label frame is filled: $output"
}

@test "office: a label changed by hand is not half removed: exit 1, where it is, file untouched" {
	office make docx a.docx --header
	office make xlsx b.xlsx --header
	tim-mark --carriers content -l 極秘 --owner 設計部 a.docx b.xlsx
	# Someone retyped the label as ordinary text in the header.
	python3 - <<'PY'
import zipfile
def edit(path, part, old, new):
    zin = zipfile.ZipFile(path)
    items = [(i, zin.read(i.filename)) for i in zin.infolist()]
    zin.close()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for i, d in items:
            if i.filename == part:
                assert old.encode() in d, part
                d = d.replace(old.encode(), new.encode())
            z.writestr(i, d)
edit("a.docx", "word/header1.xml", '<w:pStyle w:val="TIMLabel"/>', '<w:jc w:val="right"/>')
edit("a.docx", "word/header1.xml", "管理部署: 設計部<", "管理部署: 設計部 (確認済)<")
edit("b.xlsx", "xl/worksheets/sheet1.xml", "【極秘】 管理部署: 設計部</oddHeader>", "【極秘】 管理部署: 設計部（確認済）</oddHeader>")
PY
	cp a.docx a.before
	cp b.xlsx b.before
	run tim-mark --remove --carriers content a.docx
	assert_failure 1
	assert_output --partial "'a.docx': label text is still shown in word/header1.xml (changed by hand?); nothing was removed"
	cmp a.docx a.before
	run tim-mark --remove --carriers content b.xlsx
	assert_failure 1
	assert_output --partial "label text is still shown in xl/worksheets/sheet1.xml"
	cmp b.xlsx b.before
	run tim-mark --show --carriers content a.docx b.xlsx
	assert_success
	assert_line "a.docx: 【極秘】 owner=設計部 (docx)"
	# Once the person deletes that text, the removal goes through.
	python3 - <<'PY'
import re, zipfile
zin = zipfile.ZipFile("a.docx")
items = [(i, zin.read(i.filename)) for i in zin.infolist()]
zin.close()
with zipfile.ZipFile("a.docx", "w", zipfile.ZIP_DEFLATED) as z:
    for i, d in items:
        if i.filename == "word/header1.xml":
            d = re.sub(rb'<w:t xml:space="preserve">[^<]*</w:t>', b"", d)
            d = re.sub(rb'<w:pict>.*</w:pict>', b"", d, flags=re.S)
        z.writestr(i, d)
PY
	run tim-mark --remove --carriers content a.docx
	assert_success
	assert_output "removed the label from 'a.docx' (docx)"
}

@test "office: the visible text comes from [label] text-template; Japanese by default, English with lang = en" {
	office make docx a.docx
	office make odt b.odt
	tim-mark --carriers content -l 秘 --owner 設計部 --entrusted 協力会社A --id TJ-12 a.docx
	run office part a.docx word/tim-footer.xml
	assert_output --partial '>【秘】 管理部署: 設計部 委託先: 協力会社A 管理番号: TJ-12</w:t>'
	# The text is written with the label: a new template shows on the next marking.
	office make docx a.docx
	printf '[label]\nlang = en\n' > tim.conf
	tim-mark --carriers content -l 秘 --owner 設計部 a.docx b.odt
	run office part a.docx word/tim-footer.xml
	assert_output --partial '>[秘] Owner: 設計部</w:t>'
	refute_output --partial '管理番号'
	run office part b.odt styles.xml
	assert_output --partial '>[秘] Owner: 設計部</text:p>'
	printf '[label]\ntext-template = 取扱区分: {level}| / 担当: {owner}| / 期限: {until}\n' > tim.conf
	tim-mark --remove --carriers content a.docx
	tim-mark --carriers content -l 秘 --owner 設計部 a.docx
	run office part a.docx word/tim-footer.xml
	assert_output --partial '>取扱区分: 秘 / 担当: 設計部</w:t>'
	run tim-mark --remove --carriers content a.docx
	assert_success
	run office names a.docx
	refute_output --partial tim-
	printf '[label]\ntext-template = {owner} {colour}\n' > tim.conf
	run tim-mark --carriers content a.docx
	assert_failure 2
	assert_output --partial "text-template '{owner} {colour}' must hold {level}"
	printf '[label]\nlang = fr\n' > tim.conf
	run tim-mark --carriers content a.docx
	assert_failure 2
	assert_output --partial "lang 'fr' is neither ja nor en"
}

# The MSIP properties of one GUID, "Name=value" a line, sorted.
msip() {
	python3 - "$1" "$2" <<'PY'
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
x = z.read("docProps/custom.xml").decode()
for name, val in sorted(re.findall(r'name="MSIP_Label_%s_(\w+)"><vt:lpwstr>([^<]*)<' % sys.argv[2], x)):
    print("%s=%s" % (name, val))
PY
}

G1=0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
G2=1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e
TENANT=72F988BF-86F1-41AF-91AB-2D7CD011DB47

purview_conf() {
	printf '[label]\nmsip-guid.極秘 = %s\nmsip-guid.秘 = %s\nmsip-tenant = %s\n%b' "$G1" "$G2" "$TENANT" "${1:-}" > tim.conf
}

@test "purview: per-level GUIDs, _SiteId, _ContentBits of what was shown, _Method Standard, _SetDate, LabelInfo.xml" {
	purview_conf
	office make docx a.docx
	office make xlsx b.xlsx
	office make pptx c.pptx
	run tim-mark --carriers content -l 極秘 --owner 設計部 a.docx b.xlsx c.pptx
	assert_success
	run msip a.docx "$G1"
	assert_success
	assert_line --index 0 "ActionId=$(sed -n 's/^ActionId=\([0-9a-f]\{8\}-[0-9a-f]\{4\}-4[0-9a-f]\{3\}-[89ab][0-9a-f]\{3\}-[0-9a-f]\{12\}\)$/\1/p' <<<"$output")"
	assert_line --index 1 "ContentBits=7"
	assert_line --index 2 "Enabled=true"
	assert_line --index 3 "Method=Standard"
	assert_line --index 4 "Name=極秘"
	assert_line --index 5 --regexp "^SetDate=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"
	assert_line --index 6 "SiteId=$TENANT"
	[ "${#lines[@]}" -eq 7 ]
	[ "$(grep -c ActionId=........-....-4 <<<"$output")" -eq 1 ]
	run msip b.xlsx "$G1"
	assert_line "ContentBits=3"
	run msip c.pptx "$G1"
	assert_line "ContentBits=1"
	run office part a.docx docMetadata/LabelInfo.xml
	assert_output --partial '<clbl:labelList xmlns:clbl="http://schemas.microsoft.com/office/2020/mipLabelMetadata"><clbl:label id="{0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}" enabled="1" method="Standard" siteId="{72f988bf-86f1-41af-91ab-2d7cd011db47}" contentBits="7" removed="0"/></clbl:labelList>'
	run office part a.docx _rels/.rels
	assert_output --partial 'Type="http://schemas.microsoft.com/office/2020/02/relationships/classificationlabels" Target="docMetadata/LabelInfo.xml"'
	run office part a.docx '[Content_Types].xml'
	assert_output --partial '<Override PartName="/docMetadata/LabelInfo.xml" ContentType="application/vnd.ms-office.classificationlabels+xml"/>'
	run office check a.docx
	assert_output "ok"
	# Another level: its own GUID, and nothing of the other's left.
	tim-mark --carriers content --force -l 秘 a.docx
	run msip a.docx "$G1"
	assert_output ""
	run msip a.docx "$G2"
	assert_line "Name=秘"
	run office part a.docx docMetadata/LabelInfo.xml
	[ "$(grep -o '<clbl:label ' <<<"$output" | wc -l)" -eq 1 ]
	assert_output --partial 'id="{1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e}"'
	purview_conf 'msip-method = Privileged\n'
	tim-mark --carriers content --force -l 極秘 a.docx
	run msip a.docx "$G1"
	assert_line "Method=Privileged"
	run tim-mark --remove --carriers content a.docx
	assert_success
	run office names a.docx
	refute_output --partial "LabelInfo"
	refute_output --partial "custom.xml"
	run office part a.docx '[Content_Types].xml'
	refute_output --partial "classificationlabels"
	run office part a.docx _rels/.rels
	refute_output --partial "classificationlabels"
}

@test "purview: a file labelled by Office alone (MSIP properties or LabelInfo.xml) reads as marked at the level of its GUID" {
	purview_conf
	office make docx a.docx
	tim-mark --carriers content -l 極秘 a.docx
	cp a.docx b.docx
	# a: only the MSIP properties; b: only LabelInfo.xml.
	python3 - <<'PY'
import re, zipfile
def rewrite(path, fn):
    zin = zipfile.ZipFile(path)
    items = [(i, zin.read(i.filename)) for i in zin.infolist()]
    zin.close()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for i, d in items:
            d = fn(i.filename, d)
            if d is not None:
                z.writestr(i, d)
def only_msip(n, d):
    if n == "docProps/custom.xml":
        d = re.sub(rb'<property[^>]*name="TIM_[^"]*"><vt:lpwstr>[^<]*</vt:lpwstr></property>', b"", d)
    if n == "docMetadata/LabelInfo.xml":
        return None
    return d
def only_labelinfo(n, d):
    if n == "docProps/custom.xml":
        return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>'
    return d
rewrite("a.docx", only_msip)
rewrite("b.docx", only_labelinfo)
PY
	run office part a.docx docProps/custom.xml
	refute_output --partial TIM_
	run tim-mark --show --carriers content a.docx b.docx
	assert_success
	assert_output "a.docx: 【極秘】 (docx)
b.docx: 【極秘】 (docx)"
	# Without the GUIDs in tim.conf, a GUID means nothing; the _Name still says the level.
	printf '' > tim.conf
	run tim-mark --show --carriers content a.docx b.docx
	assert_output "a.docx: 【極秘】 (docx)
b.docx: not marked"
	printf '[label]\nmsip-guid.極秘 = %s\n' "$G1" > tim.conf
	run tim-mark --show --carriers content a.docx
	assert_failure 2
	assert_output --partial "msip-tenant is required with msip-guid"
}

# name crc compress_type and the raw compressed bytes' SHA-256 of every entry.
raw_entries() {
	python3 - "$1" <<'PY'
import hashlib, struct, sys, zipfile
f = open(sys.argv[1], "rb")
for i in zipfile.ZipFile(sys.argv[1]).infolist():
    f.seek(i.header_offset)
    h = f.read(30)
    n, e = struct.unpack("<HH", h[26:30])
    f.seek(i.header_offset + 30 + n + e)
    print(i.filename, i.CRC, i.compress_type, hashlib.sha256(f.read(i.compress_size)).hexdigest())
PY
}

@test "zip: entries tim does not change keep their compressed bytes; an ODF package gets its mimetype first again" {
	office make docx a.docx
	python3 - <<'PY'
import zipfile, random
r = random.Random(7)
with zipfile.ZipFile("a.docx", "a") as z:
    z.writestr(zipfile.ZipInfo("word/media/image1.png", (2020, 1, 2, 3, 4, 6)), bytes(r.getrandbits(8) for _ in range(200000)), zipfile.ZIP_DEFLATED, 9)
    z.writestr(zipfile.ZipInfo("word/media/logo.emf", (2020, 1, 2, 3, 4, 6)), b"EMF" * 5000, zipfile.ZIP_DEFLATED, 9)
PY
	raw_entries a.docx | grep -v -e custom.xml -e '\.rels' -e 'Content_Types' -e 'document.xml' > before
	run tim-mark --carriers content a.docx
	assert_success
	raw_entries a.docx > after
	# Every entry tim did not touch is the same compressed bytes, byte for byte.
	run grep -c -F -x -f before after
	assert_output "$(wc -l < before)"
	run office check a.docx
	assert_output "ok"
	# An ODF package whose mimetype is not first is written again, mimetype first and stored.
	office make odt b.odt
	python3 - <<'PY'
import zipfile
zin = zipfile.ZipFile("b.odt")
items = [(i, zin.read(i.filename)) for i in zin.infolist()]
items = items[1:] + items[:1]
with zipfile.ZipFile("c.odt", "w", zipfile.ZIP_DEFLATED) as z:
    for i, d in items:
        z.writestr(i, d, zipfile.ZIP_DEFLATED)
PY
	run office names c.odt
	refute_line --index 0 "mimetype"
	run tim-mark --carriers content c.odt
	assert_success
	run python3 -c 'import zipfile; i = zipfile.ZipFile("c.odt").infolist()[0]; print(i.filename, i.compress_type)'
	assert_output "mimetype 0"
	run office check c.odt
	assert_output "ok"
}

@test "libreoffice: documents an older tim marked, then saved by LibreOffice, lose every trace on --remove" {
	need_soffice
	originals
	tim-mark --carriers content -l 極秘 --owner 設計部 w.docx t.odt
	# Turn tim's marking into what older versions wrote: a tagged content
	# control in Word, a tim:label attribute in ODF, "owner=" wording.
	python3 - <<'PY'
import zipfile
def rewrite(path, fn):
    zin = zipfile.ZipFile(path)
    items = [(i, zin.read(i.filename)) for i in zin.infolist()]
    zin.close()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for i, d in items:
            z.writestr(i, fn(i.filename, d.decode()) if i.filename.endswith(".xml") else d)
def docx(n, d):
    if n in ("word/tim-header.xml", "word/tim-footer.xml"):
        d = d.replace('<w:p><w:pPr><w:pStyle w:val="TIMLabel"/></w:pPr>',
                      '<w:sdt><w:sdtPr><w:alias w:val="TIM Label"/><w:tag w:val="TIM_Label"/></w:sdtPr>'
                      '<w:sdtContent><w:p><w:pPr><w:jc w:val="right"/></w:pPr>')
        d = d.replace("</w:p></w:hdr>", "</w:p></w:sdtContent></w:sdt></w:hdr>")
        d = d.replace("</w:p></w:ftr>", "</w:p></w:sdtContent></w:sdt></w:ftr>")
        d = d.replace("管理部署: 設計部", "owner=設計部")
        assert "TIM_Label" in d, n
    return d
def odt(n, d):
    if n == "styles.xml":
        d = d.replace('<text:p text:style-name="TIM_20_Label">【極秘】 管理部署: 設計部',
                      '<text:p xmlns:tim="urn:tim:label:1" tim:label="1">【極秘】 owner=設計部')
        assert "tim:label" in d
    return d
rewrite("w.docx", docx)
rewrite("t.odt", odt)
PY
	mkdir rs
	lo docx rs w.docx
	lo odt rs t.odt
	cd rs
	run tim-mark --remove --carriers content w.docx t.odt
	assert_success
	assert_output "removed the label from 'w.docx' (docx)
removed the label from 't.odt' (odt)"
	lo pdf pdf w.docx t.odt
	for k in w t; do
		run pdftotext "pdf/$k.pdf" -
		refute_output --partial "極秘"
		assert_output --partial "設計書の本文です。"
	done
	pdftoppm -r 30 -png -f 1 -l 1 pdf/w.pdf clean
	run office ink clean-1.png 0.25 0.35 0.75 0.75
	[ "$(echo "$output < 0.01" | bc)" -eq 1 ] || fail "a watermark is still drawn: $output"
}

@test "office: an xlsx header with all three sections taken gets the label on a line of its own; removal gives the header back" {
	office make xlsx a.xlsx --header
	python3 - <<'PY'
import zipfile
zin = zipfile.ZipFile("a.xlsx")
items = [(i, zin.read(i.filename)) for i in zin.infolist()]
zin.close()
with zipfile.ZipFile("a.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
    for i, d in items:
        if i.filename == "xl/worksheets/sheet1.xml":
            d = d.replace(b"&amp;Lleft&amp;Cmine", b"&amp;Lleft&amp;Cmine&amp;R&amp;P / &amp;N")
        z.writestr(i, d)
PY
	office part a.xlsx xl/worksheets/sheet1.xml | tr -d '\n' > before
	tim-mark --carriers content -l 秘 --owner 設計部 a.xlsx
	run office part a.xlsx xl/worksheets/sheet1.xml
	assert_output --partial "<oddHeader>&amp;Lleft&amp;Cmine&amp;R【秘】 管理部署: 設計部
&amp;P / &amp;N</oddHeader>"
	tim-mark --remove --carriers content a.xlsx
	run diff before <(office part a.xlsx xl/worksheets/sheet1.xml | tr -d '\n')
	assert_success
}
