//! Textures of the Predict tab, made on first use and rebuilt when a picture's result changes
//! (its revision): a thumbnail per row, and the steps and feature maps of the selected picture.

use std::collections::HashMap;
use std::path::PathBuf;

use egui::{TextureHandle, TextureOptions};

use super::super::super::widgets::feature_maps::FeatureMapTextures;
use super::super::super::widgets::prep_steps::{StepTextures, gray_image};
use super::pictures::Picture;

/// Beyond this many thumbnails the cache starts over (a folder holds at most 2,000 pictures).
const MAX_THUMBNAILS: usize = 4096;

/// The selected picture's textures.
pub struct DetailTextures {
    /// The original and every step.
    pub steps: StepTextures,
    /// The first convolution, for CNN models.
    pub feature_maps: Option<FeatureMapTextures>,
}

/// All textures of the tab.
#[derive(Default)]
pub struct PredictTextures {
    thumbnails: HashMap<PathBuf, (u64, TextureHandle)>,
    detail: Option<((PathBuf, u64), DetailTextures)>,
}

impl PredictTextures {
    /// The 28×28 input of `picture` (`None` until it has been prepared).
    pub fn thumbnail(&mut self, ctx: &egui::Context, picture: &Picture) -> Option<TextureHandle> {
        let result = picture.result()?;
        if let Some((revision, texture)) = self.thumbnails.get(&picture.name)
            && *revision == picture.revision
        {
            return Some(texture.clone());
        }
        if self.thumbnails.len() >= MAX_THUMBNAILS {
            self.thumbnails.clear();
        }
        let image = gray_image(&result.prepared.input);
        let texture =
            ctx.load_texture(format!("thumbnail {}", picture.name.display()), image, TextureOptions::NEAREST);
        self.thumbnails.insert(picture.name.clone(), (picture.revision, texture.clone()));
        Some(texture)
    }

    /// The steps and maps of `picture` (`None` until it has been prepared).
    pub fn detail(&mut self, ctx: &egui::Context, picture: &Picture) -> Option<&DetailTextures> {
        let result = picture.result()?;
        let key = (picture.name.clone(), picture.revision);
        if self.detail.as_ref().is_none_or(|(known, _)| *known != key) {
            let name = picture.name.display().to_string();
            let steps = StepTextures::new(ctx, &name, &result.preview, &result.prepared.steps);
            let feature_maps =
                result.first_conv.as_ref().map(|conv| FeatureMapTextures::new(ctx, &name, conv));
            self.detail = Some((key, DetailTextures { steps, feature_maps }));
        }
        self.detail.as_ref().map(|(_, textures)| textures)
    }
}
