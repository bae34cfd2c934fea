//! One chunk of dossier rows as Parquet row groups, encoded column by column.
//!
//! polars' writer takes a frame of text columns and, for each, estimates how many distinct
//! texts it holds and then hashes every row's text to find them again, to write dictionary
//! pages: 8–14% of `convert`'s CPU (issue 19's profile: `ValueMap`, the cardinality estimate,
//! `memcmp`, `foldhash`). cchc already has each text column as ids into its distinct texts
//! (the dictionaries of the read, the vocabularies' names, the input files), so those columns
//! are written as dictionary pages from the ids directly. Everything else goes through polars'
//! own page encoder with the encodings its writer would choose, and the file itself (schema,
//! metadata, footer) is still written by polars' `BatchedWriter`, so the files read as before.

use std::fs::File;

use anyhow::{Context, Result};
use polars::io::parquet::write::{
    BatchedWriter, ParquetCompression, RowGroupIterColumns, StatisticsOptions,
};
use polars::prelude::{CompatLevel, DataType, PlSmallStr, PolarsError, Schema};
use polars_arrow::array::{Array, DictionaryArray, PrimitiveArray, Utf8ViewArray};
use polars_arrow::bitmap::MutableBitmap;
use polars_arrow::datatypes::{ArrowDataType, IntegerType};
use polars_parquet::read::ParquetError;
use polars_parquet::write::{
    array_to_columns, get_dtype_encoding, CompressionOptions, Compressor, DynIter,
    DynStreamingIterator, Encoding, FallibleStreamingIterator, ParquetType, Version, WriteOptions,
};

use crate::dossier::rows::NO_TEXT;
use crate::dossier::{CodedTexts, DatasetColumn, Field};

/// The zstd level of the dossier files: level 1 made the 1M-row bench dataset 0.8% larger than
/// zstd's default (3) and `convert` 1.4% cheaper in CPU, 2.3% in wall time (farm-bench, 15
/// pairs), where every page is compressed on the writer's thread.
const ZSTD_LEVEL: i32 = 1;

/// The dossier files' compression (zstd at `ZSTD_LEVEL`) and statistics (all of them): the
/// file writer is set up with them, and each row group's pages are encoded with them.
pub fn compression() -> ParquetCompression {
    // A level zstd refuses (none between 1 and 22) would fall back to the default.
    ParquetCompression::Zstd(polars_parquet::write::ZstdLevel::try_new(ZSTD_LEVEL).ok())
}

pub fn statistics() -> StatisticsOptions {
    StatisticsOptions::full()
}

/// The page options polars' `ParquetWriter` uses with [`compression`] and [`statistics`]
/// (Parquet format version 1, polars' default page size).
fn write_options() -> WriteOptions {
    WriteOptions {
        statistics: statistics(),
        compression: CompressionOptions::from(compression()),
        version: Version::V1,
        data_page_size: None,
    }
}

/// A chunk's columns, ready to be cut into row groups.
pub struct ChunkColumns {
    pub height: usize,
    /// The file's schema: coded columns are text.
    pub schema: Schema,
    columns: Vec<ChunkColumn>,
}

enum ChunkColumn {
    /// As an Arrow array, with the encodings of its Parquet columns.
    Array {
        array: Box<dyn Array>,
        encodings: Vec<Encoding>,
    },
    Coded(CodedTexts),
}

impl ChunkColumns {
    /// The columns of a chunk of `height` rows.
    pub fn new(height: usize, columns: Vec<DatasetColumn>) -> ChunkColumns {
        let schema = columns
            .iter()
            .map(|column| {
                let dtype = match column {
                    DatasetColumn::Values(column) => column.dtype().clone(),
                    DatasetColumn::Coded(_) => DataType::String,
                };
                (PlSmallStr::from(column.name()), dtype)
            })
            .collect();
        let columns = columns
            .into_iter()
            .map(|column| match column {
                DatasetColumn::Values(column) => {
                    let array = column
                        .as_materialized_series()
                        .rechunk()
                        .to_arrow(0, CompatLevel::newest());
                    // Ids are all distinct: polars' writer would estimate as much before
                    // writing them plain.
                    let encodings = if column.name().as_str() == Field::DossierId.name() {
                        vec![Encoding::Plain]
                    } else {
                        get_dtype_encoding(array.dtype())
                    };
                    ChunkColumn::Array { array, encodings }
                }
                DatasetColumn::Coded(coded) => ChunkColumn::Coded(coded),
            })
            .collect();
        ChunkColumns {
            height,
            schema,
            columns,
        }
    }

    /// Writes rows `offset..offset + len` as one row group.
    pub fn write_row_group(
        &self,
        writer: &mut BatchedWriter<File>,
        offset: usize,
        len: usize,
    ) -> Result<()> {
        let options = write_options();
        let fields: Vec<ParquetType> = writer.parquet_schema().fields().to_vec();
        // Every chunk has the columns of the file's schema; a row group of fewer would be
        // written silently short.
        anyhow::ensure!(
            fields.len() == self.columns.len(),
            "a chunk of {} columns for a file of {} (internal error)",
            self.columns.len(),
            fields.len()
        );
        let mut pages = Vec::with_capacity(fields.len());
        for (column, field) in self.columns.iter().zip(fields) {
            let (array, encodings) = match column {
                ChunkColumn::Array { array, encodings } => {
                    (array.sliced(offset, len), encodings.clone())
                }
                ChunkColumn::Coded(coded) => coded_array(coded, offset, len)?,
            };
            let encoded = array_to_columns(array, field, options, &encodings)?;
            pages.extend(encoded.into_iter().map(|column_pages| {
                let compressed = Compressor::new_from_vec(
                    column_pages.map(|page| {
                        page.map_err(|e| ParquetError::FeatureNotSupported(e.to_string()))
                    }),
                    options.compression,
                    vec![],
                )
                .map_err(PolarsError::from);
                Ok(DynStreamingIterator::new(compressed))
            }));
        }
        let group: RowGroupIterColumns<'static, PolarsError> = DynIter::new(pages.into_iter());
        writer.write_row_groups(vec![group])?;
        Ok(())
    }
}

/// Rows `offset..offset + len` of a coded column as a dictionary array of the texts they use,
/// in the order first used (as polars' writer orders them), so the statistics of the column
/// chunk (read from the dictionary) are those of its rows. With no text at all, a column of
/// NULLs as polars writes one.
fn coded_array(
    coded: &CodedTexts,
    offset: usize,
    len: usize,
) -> Result<(Box<dyn Array>, Vec<Encoding>)> {
    let ids = coded
        .ids
        .get(offset..offset + len)
        .context("a row group past its chunk (internal error)")?;
    let mut dictionary_id = vec![NO_TEXT; coded.texts.len()];
    let mut used: Vec<&str> = Vec::new();
    let mut keys: Vec<u32> = Vec::with_capacity(len);
    let mut valid = MutableBitmap::with_capacity(len);
    for &id in ids {
        if id == NO_TEXT {
            keys.push(0);
            valid.push(false);
            continue;
        }
        let slot = dictionary_id
            .get_mut(id as usize)
            .context("a text id past the texts (internal error)")?;
        if *slot == NO_TEXT {
            *slot = used.len() as u32;
            used.push(&coded.texts[id as usize]);
        }
        keys.push(*slot);
        valid.push(true);
    }
    if used.is_empty() {
        let nulls = Utf8ViewArray::new_null(ArrowDataType::Utf8View, len).boxed();
        return Ok((nulls, vec![Encoding::Plain]));
    }
    let validity: Option<polars_arrow::bitmap::Bitmap> = valid.into();
    let keys = PrimitiveArray::<u32>::new(ArrowDataType::UInt32, keys.into(), validity);
    let values = Utf8ViewArray::from_slice_values(&used).boxed();
    let dtype = ArrowDataType::Dictionary(
        IntegerType::UInt32,
        Box::new(ArrowDataType::Utf8View),
        false,
    );
    let array = DictionaryArray::try_new(dtype, keys, values)?;
    Ok((array.boxed(), vec![Encoding::RleDictionary]))
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::*;

    fn coded(name: &str, ids: Vec<u32>, texts: &[&str]) -> DatasetColumn {
        DatasetColumn::Coded(CodedTexts {
            name: name.into(),
            ids,
            texts: texts.iter().map(|t| t.to_string()).collect(),
        })
    }

    fn texts(frame: &DataFrame, name: &str) -> Vec<Option<String>> {
        frame
            .column(name)
            .and_then(|c| c.str().cloned())
            .map(|c| c.iter().map(|t| t.map(String::from)).collect())
            .unwrap_or_default()
    }

    /// Coded columns read back as their texts, NULL where a row has none, in row groups cut
    /// anywhere; a group using none of the texts is all NULL.
    #[test]
    fn coded_texts_read_back_as_text_columns() -> Result<()> {
        let chunk = ChunkColumns::new(
            5,
            vec![
                DatasetColumn::Values(Column::new("n".into(), [1i64, 2, 3, 4, 5])),
                coded(
                    "unit",
                    vec![2, NO_TEXT, 0, 2, 2],
                    &["Phòng Một", "unused", "Sở"],
                ),
                coded("blank", vec![NO_TEXT; 5], &["x"]),
                coded("tail", vec![1, 1, 1, NO_TEXT, NO_TEXT], &["", "b"]),
            ],
        );
        assert_eq!(chunk.schema.get("unit"), Some(&DataType::String));
        let file = tempfile::NamedTempFile::new()?;
        let mut writer = ParquetWriter::new(file.reopen()?).batched(&chunk.schema)?;
        chunk.write_row_group(&mut writer, 0, 3)?;
        chunk.write_row_group(&mut writer, 3, 2)?;
        writer.finish()?;
        let mut reader = ParquetReader::new(file.reopen()?);
        assert_eq!(reader.get_metadata()?.row_groups.len(), 2);
        let frame = ParquetReader::new(file.reopen()?).finish()?;
        let some = |t: &str| Some(t.to_string());
        assert_eq!(
            texts(&frame, "unit"),
            [some("Sở"), None, some("Phòng Một"), some("Sở"), some("Sở")]
        );
        assert_eq!(texts(&frame, "blank"), [None, None, None, None, None]);
        assert_eq!(
            texts(&frame, "tail"),
            [some("b"), some("b"), some("b"), None, None]
        );
        assert_eq!(frame.column("n")?.i64()?.get(4), Some(5));
        // A chunk whose columns are not the file's is an error, not a short row group.
        let narrow = ChunkColumns::new(
            1,
            vec![DatasetColumn::Values(Column::new("n".into(), [1i64]))],
        );
        let mut writer = ParquetWriter::new(file.reopen()?).batched(&chunk.schema)?;
        assert!(narrow.write_row_group(&mut writer, 0, 1).is_err());
        Ok(())
    }

    /// Each row group's dictionary holds only the texts its rows use, first used first.
    #[test]
    fn a_row_groups_dictionary_is_the_texts_its_rows_use() -> Result<()> {
        let column = CodedTexts {
            name: "unit".into(),
            ids: vec![2, NO_TEXT, 0, 2],
            texts: vec!["a".into(), "unused".into(), "c".into()],
        };
        let (array, encodings) = coded_array(&column, 1, 3)?;
        assert_eq!(encodings, [Encoding::RleDictionary]);
        let array = array
            .as_any()
            .downcast_ref::<DictionaryArray<u32>>()
            .context("a dictionary array")?;
        let values = array
            .values()
            .as_any()
            .downcast_ref::<Utf8ViewArray>()
            .context("text values")?;
        assert_eq!(values.values_iter().collect::<Vec<_>>(), ["a", "c"]);
        assert_eq!(
            array.keys().iter().map(|k| k.copied()).collect::<Vec<_>>(),
            [None, Some(0), Some(1)]
        );
        // An id past the texts is an error, not a panic.
        let broken = CodedTexts {
            ids: vec![7],
            ..column
        };
        assert!(coded_array(&broken, 0, 1).is_err());
        assert!(coded_array(&broken, 0, 2).is_err());
        Ok(())
    }
}
