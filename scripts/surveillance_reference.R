#!/usr/bin/env Rscript
# Reference outputs of the R package `surveillance` for the tests of
# nahrain.health.detection (issue 18): for several of the package's own weekly
# data sets, the weekly counts (WEEKLY files, as `nahrain health detect` reads
# them) and, for each method and parameter set, R's upperbound, alarm and (for
# farringtonFlexible) expected.
#
# Run from the repository root:   Rscript scripts/surveillance_reference.R
# Writes nahrain/health/tests/data/surveillance/:
#   <series>.weekly.csv            week_index,year,week,count (count empty = NA), and
#                                  population where the series has one
#   <series>.reference.csv.gz      week_index, then <case>.upperbound,
#                                  <case>.alarm (TRUE/FALSE/NA) and, for
#                                  Farrington, <case>.expected; empty where R
#                                  gives no row (outside the default range)
#   cases.json                     series -> case -> {method, params}
# Every series is made an sts with epochAsDate = FALSE and frequency 52, as the
# command reads a WEEKLY file: reference weeks are found by index offsets of 52.
suppressMessages(library(surveillance))
stopifnot(packageVersion("surveillance") >= "1.20")
out <- file.path("nahrain", "health", "tests", "data", "surveillance")
dir.create(out, recursive = TRUE, showWarnings = FALSE)

load_sts <- function(name) {
  e <- new.env()
  data(list = name, package = "surveillance", envir = e)
  x <- get(name, envir = e)
  if (is(x, "disProg")) x <- disProg2sts(x)
  x
}
column <- function(x, j) as.numeric(observed(x)[, j])
total <- function(x) as.numeric(rowSums(observed(x)))

series <- list(
  salmonella_agona = total(load_sts("salmonella.agona")),
  shadar = total(load_sts("shadar")),
  abattoir = total(load_sts("abattoir")),
  salmNewport_total = total(load_sts("salmNewport")),
  stsNewport = total(load_sts("stsNewport")),
  salmAllOnset = total(load_sts("salmAllOnset")),
  momo_0_1 = column(load_sts("momo"), "[0,1)"),
  ha_total = total(load_sts("ha.sts")),
  ha_lich = column(load_sts("ha.sts"), "lich"),
  measles_total = total(load_sts("measlesWeserEms")),
  measles_03454 = column(load_sts("measlesWeserEms"), "03454")
)
# Missing weeks and a long run of zeros, which the data sets lack: the Agona
# series with NA in six weeks and weeks 150-200 set to zero.
gaps <- series$salmonella_agona
gaps[c(40, 41, 120, 230, 290, 305)] <- NA
gaps[150:200] <- 0
series$agona_gaps <- gaps
# Edge cases: five years of zeros before an outbreak (all-zero baselines, where IRLS drives the
# fitted means towards 0), and a sparse series, mostly zeros.
series$zeros_outbreak <- c(rep(0, 280), 0, 1, 3, 6, 9, 4, 2, 0, 0, 5, 7, 1, rep(0, 8), 2, 0, 6)
# A population (for populationOffset) growing from 100,000 by 400 a week, on the Agona counts.
populations <- list(agona_population = 100000 + 400 * (seq_along(series$salmonella_agona) - 1))
series$agona_population <- series$salmonella_agona
set.seed(18)
series$sparse <- as.numeric(rpois(420, 0.3 + 0.2 * sin(2 * pi * (1:420) / 52)))

# A named list even when empty, so that jsonlite writes {} and not [].
named <- function(...) c(structure(list(), names = character(0)), list(...))
ears <- function(method, ...) list(method = method, params = named(...))
ff <- function(...) list(method = "farrington-flexible", params = named(...))
noufaily <- list(noPeriods = 10, weightsThreshold = 2.58, pastWeeksNotIncluded = 26,
                 pThresholdTrend = 1, thresholdMethod = "nbPlugin")
ears_default <- list(c1 = ears("ears-c1"), c2 = ears("ears-c2"), c3 = ears("ears-c3"))
ears_alt <- list(
  c1_alt = ears("ears-c1", baseline = 10, alpha = 0.01, minSigma = 0.5),
  c2_alt = ears("ears-c2", baseline = 4, alpha = 0.05, minSigma = 1),
  c3_alt = ears("ears-c3", baseline = 12, alpha = 0.001, minSigma = 0.2)
)
ff_main <- list(ff_default = ff(), ff_noufaily = do.call(ff, noufaily))
ff_variants <- list(
  ff_muan = do.call(ff, modifyList(noufaily, list(thresholdMethod = "muan"))),
  ff_half = ff(powertrans = "1/2", reweight = FALSE, alpha = 0.01),
  ff_none = ff(powertrans = "none", limit54 = c(0, 1), weightsThreshold = 1),
  ff_b3w2 = ff(b = 3, w = 2, trend = FALSE, limit54 = c(2, 2)),
  ff_p4 = ff(b = 4, w = 2, noPeriods = 4, pastWeeksNotIncluded = 0, pThresholdTrend = 1)
)
short_ff <- list(
  ff_b2 = ff(b = 2, limit54 = c(1, 4)),
  ff_b2_noufaily = do.call(ff, modifyList(noufaily, list(b = 2)))
)
shortest_ff <- list(ff_b1 = ff(b = 1, w = 2, limit54 = c(0, 4)))
cases <- list(
  salmonella_agona = c(ears_default, ears_alt, ff_main, ff_variants),
  agona_gaps = c(ears_default, ears_alt, ff_main, ff_variants),
  zeros_outbreak = c(ears_default, ears_alt, ff_main, ff_variants),
  agona_population = list(
    ff_offset = ff(populationOffset = TRUE),
    ff_offset_noufaily = do.call(ff, modifyList(noufaily, list(populationOffset = TRUE)))
  ),
  sparse = c(ears_default, ff_main, ff_variants[c("ff_none", "ff_b3w2", "ff_p4")]),
  shadar = c(ears_default, ff_main),
  abattoir = c(ears_default, short_ff),
  salmNewport_total = c(ears_default, ff_main, ff_variants["ff_muan"]),
  stsNewport = c(ears_default, ff_main),
  salmAllOnset = c(ears_default, ff_main),
  momo_0_1 = c(ears_default, ears_alt, ff_main),
  ha_total = c(ears_default, ff_main),
  ha_lich = c(ears_default, ears_alt, ff_main, ff_variants["ff_none"]),
  measles_total = c(ears_default, shortest_ff),
  measles_03454 = c(ears_default, ears_alt, shortest_ff)
)

# The rows R returns: earsC keeps its range in the control slot; farringtonFlexible does not,
# and its range is the default one, (freq * b + w + 1):nrow.
or_default <- function(value, default) if (is.null(value)) default else value
run_case <- function(x, case) {
  p <- case$params
  if (case$method == "farrington-flexible") {
    r <- farringtonFlexible(x, control = c(p, list(glmWarnings = FALSE)))
    first <- x@freq * or_default(p[["b", exact = TRUE]], 5) + or_default(p[["w", exact = TRUE]], 3) + 1
    stopifnot(nrow(r) == nrow(x) - first + 1)
    list(range = first:nrow(x), upperbound = as.numeric(upperbound(r)),
         alarm = as.logical(surveillance::alarms(r)), expected = as.numeric(r@control$expected))
  } else {
    r <- earsC(x, control = c(p, list(method = toupper(sub("ears-", "", case$method)))))
    list(range = r@control$range, upperbound = as.numeric(upperbound(r)),
         alarm = as.logical(surveillance::alarms(r)))
  }
}

number <- function(v) ifelse(is.na(v), "", trimws(formatC(v, digits = 12, format = "g")))
logical_text <- function(v) ifelse(is.na(v), "NA", ifelse(v, "TRUE", "FALSE"))

for (name in names(series)) {
  counts <- series[[name]]
  n <- length(counts)
  population <- populations[[name]]
  x <- sts(observed = matrix(counts, ncol = 1), start = c(2000, 1), frequency = 52,
           population = if (is.null(population)) NULL else matrix(population, ncol = 1))
  idx <- seq_len(n) - 1
  weekly <- data.frame(week_index = seq_len(n), year = 2000 + idx %/% 52,
                       week = idx %% 52 + 1, count = number(counts))
  if (!is.null(population)) weekly$population <- number(population)
  write.csv(weekly, file.path(out, paste0(name, ".weekly.csv")), row.names = FALSE,
            quote = FALSE)
  table <- data.frame(week_index = seq_len(n))
  for (case_name in names(cases[[name]])) {
    r <- run_case(x, cases[[name]][[case_name]])
    ub <- rep(NA_real_, n); al <- rep(NA, n); inside <- rep(FALSE, n)
    ub[r$range] <- r$upperbound; al[r$range] <- r$alarm; inside[r$range] <- TRUE
    table[[paste0(case_name, ".upperbound")]] <- number(ub)
    table[[paste0(case_name, ".alarm")]] <- ifelse(inside, logical_text(al), "")
    if (!is.null(r$expected)) {
      ex <- rep(NA_real_, n); ex[r$range] <- r$expected
      table[[paste0(case_name, ".expected")]] <- number(ex)
    }
  }
  con <- gzfile(file.path(out, paste0(name, ".reference.csv.gz")), "w")
  write.csv(table, con, row.names = FALSE, quote = FALSE)
  close(con)
  cat(name, n, "weeks,", length(cases[[name]]), "cases\n")
}
writeLines(jsonlite::toJSON(cases, auto_unbox = TRUE, pretty = TRUE, digits = NA),
           file.path(out, "cases.json"))
