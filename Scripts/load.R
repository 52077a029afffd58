# Load an hrexport export in R as one data.table per series, sorted by time (or date).
#
#   source("Scripts/load.R"); hr <- load_heart_rate("data/export/SANDBOX1", "1min")
#   hrv <- load_heart_rate("data/export/SANDBOX1", "hrv"); daily <- load_heart_rate("data/export/SANDBOX1", "daily")
#   Rscript Scripts/load.R data/export/SANDBOX1 [1min|1sec|5min|15min|hrv|daily] [copy.csv]
#
# CSV.gz months need only data.table (Debian: r-cran-data.table); Parquet months need the arrow package.
# `time` is POSIXct in UTC; `local_time` is the wall clock, also POSIXct but labelled UTC so that R shows
# it unchanged; `utc_offset_min`, `bpm` and the daily counts are integers, the HRV values doubles; a value the
# source does not have is NA. `date` of the daily series is a Date. `user_id` (the last column; files written
# before 0.3 lack it) is character, so a study id such as 007 keeps its zeros.

series_folder <- function(series) {
  switch(series, hrv = "heart_rate_variability", daily = "heart_rate_daily", paste0("heart_rate_", series))
}

series_columns <- function(series) {
  doubles <- function(names) setNames(rep("numeric", length(names)), names)
  if (series == "daily") {
    return(c(date = "character", resting_bpm = "integer", zone_out_of_range_min = "integer", zone_fat_burn_min = "integer",
             zone_cardio_min = "integer", zone_peak_min = "integer", samples = "integer",
             doubles(c("hrv_rmssd_ms", "hrv_deep_rmssd_ms", "hrv_nrem_bpm", "hrv_entropy"))))
  }
  times <- c(time = "character", local_time = "character", utc_offset_min = "integer")
  if (series == "hrv") c(times, doubles(c("rmssd_ms", "coverage", "lf", "hf", "sdnn_ms"))) else c(times, bpm = "integer")
}

read_csv_month <- function(path, series) {
  command <- paste("gzip -dc", shQuote(path))
  header <- names(data.table::fread(cmd = command, nrows = 0))
  classes <- c(series_columns(series), user_id = "character")
  month <- data.table::fread(cmd = command, colClasses = classes[names(classes) %in% header], na.strings = "")
  if (series == "daily") {
    month[, date := as.Date(date)]
  } else {
    month[, time := as.POSIXct(time, format = "%Y-%m-%dT%H:%M:%OSZ", tz = "UTC")]
    month[, local_time := as.POSIXct(local_time, format = "%Y-%m-%dT%H:%M:%OS", tz = "UTC")]
  }
  month
}

read_parquet_month <- function(path, series) {
  if (!requireNamespace("arrow", quietly = TRUE)) {
    stop("these months are Parquet: install.packages(\"arrow\"), or rewrite them as CSV with `hrexport rebuild --format csv`")
  }
  month <- data.table::as.data.table(arrow::read_parquet(path))
  if (series != "daily") month[, local_time := as.POSIXct(format(local_time, tz = "UTC", usetz = FALSE), tz = "UTC")]
  month
}

load_heart_rate <- function(dir, series = "1min") {
  folder <- file.path(dir, series_folder(series))
  files <- sort(c(Sys.glob(file.path(folder, "*.csv.gz")), Sys.glob(file.path(folder, "*.parquet"))))
  if (length(files) == 0) stop(paste("no month files in", folder))
  months <- lapply(files, function(f) if (grepl("\\.parquet$", f)) read_parquet_month(f, series) else read_csv_month(f, series))
  table <- data.table::rbindlist(months, fill = TRUE)  # a month from before user_id has none
  if (series == "daily") data.table::setorder(table, date) else data.table::setorder(table, time)
  table
}

if (!interactive() && sys.nframe() == 0L) {
  args <- commandArgs(trailingOnly = TRUE)
  if (length(args) < 1) {
    message("usage: Rscript Scripts/load.R USER_DIR [SERIES] [COPY.csv]")
    quit(status = 2)
  }
  suppressPackageStartupMessages(library(data.table))
  series <- if (length(args) > 1) args[2] else "1min"
  table <- load_heart_rate(args[1], series)
  ms <- function(t) format(round(as.numeric(t) * 1000), scientific = FALSE)
  if (series == "daily") {
    cat(sprintf("rows %d\nclass %s\nfirst %s\nresting_na %d\n", nrow(table), class(table$date)[1], format(table$date[1]),
                sum(is.na(table$resting_bpm))))
  } else {
    cat(sprintf("rows %d\ntz %s\nclass %s\nfirst_ms %s\nlast_ms %s\n", nrow(table), attr(table$time, "tzone"),
                class(table$time)[1], ms(table$time[1]), ms(table$time[nrow(table)])))
    if (series != "hrv") cat(sprintf("bpm_sum %s\n", format(sum(as.numeric(table$bpm)), scientific = FALSE)))
  }
  if (length(args) > 2) {
    # A copy as R holds it: instants as epoch milliseconds, NA as NA, doubles to 17 digits.
    copy <- data.table::copy(table)
    if (series != "daily") copy[, c("time", "local_time") := list(ms(time), ms(local_time))]
    data.table::fwrite(copy, args[3], na = "NA", dateTimeAs = "write.csv", scipen = 100)
  }
}
