# promcheck.awk - a strict check of the Prometheus text format 0.0.4:
# HELP and TYPE before each family's samples, one TYPE per family, samples
# of a family together, names and labels well-formed, values numeric, no
# timestamps. Prints the first problems and exits 1 if there are any.
function fail(msg) { print "line " NR ": " msg; bad++ }
function family_of(name) {
	if (name in types) return name
	for (suf in sufs) if (sub(suf "$", "", name) && name in types) return name
	return ""
}
BEGIN { sufs["_total"]; sufs["_sum"]; sufs["_count"]; sufs["_bucket"] }
/^# HELP / { if ($3 in helped) fail("second HELP for " $3); helped[$3] = 1; next }
/^# TYPE / {
	if ($3 in types) fail("second TYPE for " $3)
	if ($4 !~ /^(counter|gauge|histogram|summary|untyped)$/) fail("bad type " $4)
	if (!($3 in helped)) fail("TYPE before HELP for " $3)
	types[$3] = $4; current = $3; next
}
/^#/ { next }
/^$/ { next }
{
	if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\[\\"n])*")*\})? -?[0-9.eE+]+(Inf|NaN)?$/) {
		fail("malformed sample (or a timestamp): " $0); next
	}
	name = $0; sub(/[{ ].*/, "", name)
	fam = family_of(name)
	if (fam == "") fail("sample without HELP/TYPE: " name)
	else if (fam != current) fail("samples of " fam " not together")
	if (types[fam] == "counter" && name !~ /_total$/) fail("counter without _total: " name)
}
END { exit bad > 0 }
