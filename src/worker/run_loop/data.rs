//! The worker's data-set jobs: loading, downloading, importing and listing the stored data sets.

use std::sync::Arc;

use super::super::dataset_jobs::{self, DownloadOutcome};
use super::super::dataset_store_jobs::{self, ImportOutcome};
use super::super::{Event, Job, JobError};
use super::Worker;
use crate::data::store::Preprocessing;

impl Worker {
    pub(super) fn take_data(&mut self, result: Result<crate::worker::LoadedDataset, JobError>) -> bool {
        match result {
            Ok(loaded) => {
                self.data = Some(loaded.data.clone());
                self.emit(Event::DatasetLoaded(Box::new(loaded)))
            }
            Err(error) => self.emit(Event::Failed { job: Job::LoadDataset, error }),
        }
    }

    /// After a change to the stored data sets (or a plain list): the failure, if any, then the list.
    pub(super) fn send_datasets(&mut self, change: Result<(), JobError>) -> bool {
        if let Err(error) = change
            && !self.emit(Event::Failed { job: Job::Datasets, error })
        {
            return false;
        }
        // Without a store (tests, or no user data folder) there is nothing stored: an empty list.
        let listed = self.datasets.as_ref().map_or_else(|| Ok(Vec::new()), dataset_store_jobs::list);
        match listed {
            Ok(list) => self.emit(Event::DatasetsListed(list)),
            Err(error) => self.emit(Event::Failed { job: Job::Datasets, error }),
        }
    }

    /// Imports a data set with progress; on success it is listed and loaded.
    pub(super) fn import(
        &mut self,
        source: &std::path::Path,
        options: &crate::data::import::ImportOptions,
    ) -> bool {
        self.start(Job::ImportDataset);
        let store = match dataset_store_jobs::store(self.datasets.as_ref()) {
            Ok(store) => store.clone(),
            Err(error) => return self.emit(Event::Failed { job: Job::ImportDataset, error }),
        };
        let cancel = Arc::clone(&self.cancel_download);
        let outcome = dataset_store_jobs::import_source(&store, source, options, &cancel, &mut |step| {
            self.emit(Event::ImportProgressed(step.clone()));
        });
        match outcome {
            Ok(ImportOutcome::Imported(summary, data)) => {
                self.emit(Event::DatasetImported(summary))
                    && self.send_datasets(Ok(()))
                    && self.take_data(Ok(dataset_jobs::summarise(*data)))
            }
            Ok(ImportOutcome::Cancelled) => self.emit(Event::Cancelled(Job::ImportDataset)),
            Err(error) => self.emit(Event::Failed { job: Job::ImportDataset, error }),
        }
    }

    pub(super) fn download(&mut self) -> bool {
        self.start(Job::DownloadDataset);
        let outcome = dataset_jobs::download(&self.cancel_download, &mut |step| {
            self.emit(Event::DownloadProgressed(step.clone()))
        });
        match outcome {
            Ok(DownloadOutcome::Finished(folder)) => {
                let request = super::super::DataRequest::Folder(folder.clone());
                self.emit(Event::DownloadFinished { folder })
                    && self.take_data(dataset_jobs::load(&request, self.datasets.as_ref()))
            }
            Ok(DownloadOutcome::Cancelled) => self.emit(Event::Cancelled(Job::DownloadDataset)),
            Err(error) => self.emit(Event::Failed { job: Job::DownloadDataset, error }),
        }
    }

    /// A few pictures of `source` as the network will see them, before it is imported.
    pub(super) fn preview_import(&self, source: std::path::PathBuf, preprocessing: Preprocessing) -> bool {
        self.start(Job::PreviewImport);
        let result = crate::data::import::preview(&source, preprocessing)
            .map(|pictures| Event::ImportPreviewed { source, preprocessing, pictures })
            .map_err(JobError::from);
        self.finish(Job::PreviewImport, result)
    }
}
