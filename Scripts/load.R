# Load an hrexport export in R as one data.table, sorted by time.
#
#   source("Scripts/load.R"); hr <- load_heart_rate("data/export/SANDBOX1", "1min")
#   Rscript Scripts/load.R data/export/SANDBOX1 [1min]
#
# CSV.gz months need only data.table (Debian: r-cran-data.table); Parquet months need the arrow package.
# `time` is POSIXct in UTC; `local_time` is the wall clock, also POSIXct but labelled UTC so that R shows
# it unchanged; `utc_offset_min` and `bpm` are integers.

read_csv_month <- function(path) {
  month <- data.table::fread(cmd = paste("gzip -dc", shQuote(path)),
                             colClasses = c(time = "character", local_time = "character",
                                            utc_offset_min = "integer", bpm = "integer"))
  month[, time := as.POSIXct(time, format = "%Y-%m-%dT%H:%M:%OSZ", tz = "UTC")]
  month[, local_time := as.POSIXct(local_time, format = "%Y-%m-%dT%H:%M:%OS", tz = "UTC")]
  month
}

read_parquet_month <- function(path) {
  if (!requireNamespace("arrow", quietly = TRUE)) {
    stop("these months are Parquet: install.packages(\"arrow\"), or rewrite them as CSV with `hrexport rebuild --format csv`")
  }
  month <- data.table::as.data.table(arrow::read_parquet(path))
  month[, local_time := as.POSIXct(format(local_time, tz = "UTC", usetz = FALSE), tz = "UTC")]
  month
}

load_heart_rate <- function(dir, detail = "1min") {
  folder <- file.path(dir, paste0("heart_rate_", detail))
  files <- sort(c(Sys.glob(file.path(folder, "*.csv.gz")), Sys.glob(file.path(folder, "*.parquet"))))
  if (length(files) == 0) stop(paste("no month files in", folder))
  months <- lapply(files, function(f) if (grepl("\\.parquet$", f)) read_parquet_month(f) else read_csv_month(f))
  hr <- data.table::rbindlist(months)
  data.table::setorder(hr, time)
  hr
}

if (!interactive() && sys.nframe() == 0L) {
  args <- commandArgs(trailingOnly = TRUE)
  if (length(args) < 1) {
    message("usage: Rscript Scripts/load.R USER_DIR [DETAIL]")
    quit(status = 2)
  }
  suppressPackageStartupMessages(library(data.table))
  hr <- load_heart_rate(args[1], if (length(args) > 1) args[2] else "1min")
  ms <- function(t) format(round(as.numeric(t) * 1000), scientific = FALSE)
  cat(sprintf("rows %d\ntz %s\nclass %s\nfirst_ms %s\nlast_ms %s\nbpm_sum %s\n", nrow(hr), attr(hr$time, "tzone"),
              class(hr$time)[1], ms(hr$time[1]), ms(hr$time[nrow(hr)]), format(sum(as.numeric(hr$bpm)), scientific = FALSE)))
}
